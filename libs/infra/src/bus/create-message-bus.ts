import { join } from 'node:path';
import { MessageBus } from '@ledger/events';
import { dataDir } from '../event-store/create-event-store';
import { EmbeddedMessageBus } from './embedded-message-bus';
import { KafkaMessageBus } from './kafka-message-bus';

/**
 * Kafka when `KAFKA_BROKERS` is set (comma-separated host:port; `KAFKA_CLIENT_ID` and
 * `KAFKA_REPLICATION_FACTOR` optional), otherwise the embedded bus in `bus.sqlite` under the data dir.
 */
export function createMessageBus(env: NodeJS.ProcessEnv): MessageBus {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  if (brokers.length > 0) {
    const replicationFactor = env.KAFKA_REPLICATION_FACTOR ? Number(env.KAFKA_REPLICATION_FACTOR) : undefined;
    if (replicationFactor !== undefined && !Number.isInteger(replicationFactor))
      throw new Error(`KAFKA_REPLICATION_FACTOR must be a whole number, not ${env.KAFKA_REPLICATION_FACTOR}`);
    return new KafkaMessageBus({ brokers, clientId: env.KAFKA_CLIENT_ID || undefined, replicationFactor });
  }
  return new EmbeddedMessageBus({ file: join(dataDir(env), 'bus.sqlite') });
}
