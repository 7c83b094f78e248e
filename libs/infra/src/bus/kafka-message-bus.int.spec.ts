import { messageBusContract } from '../../../../test/contracts/message-bus.contract';
import { BusLogger } from './bus-logger';
import { KafkaMessageBus } from './kafka-message-bus';

/**
 * The same contract against Kafka: the brokers named by KAFKA_BROKERS (scripts/servers/kafka.sh
 * starts one on loopback). Without it, the suite says why it did not run.
 */
const brokers = process.env.KAFKA_BROKERS;

/** Handler failures are expected here; their warnings would only bury real output. */
const quietLogger: BusLogger = { warn: () => undefined, error: () => undefined };

if (brokers) {
  jest.setTimeout(120_000);
  messageBusContract(
    `Kafka at ${brokers}`,
    async () =>
      new KafkaMessageBus({
        brokers: brokers.split(',').map((b) => b.trim()),
        clientId: 'message-bus-contract',
        retryDelayMs: 20,
        maxRetryDelayMs: 100,
        heartbeatIntervalMs: 300,
        sessionTimeoutMs: 10_000,
        logger: quietLogger,
      }),
    { waitMs: 60_000 },
  );
} else {
  const reason =
    'Kafka message bus contract suite skipped: KAFKA_BROKERS is not set ' +
    '(bash scripts/servers/kafka.sh start prints it).';
  process.stdout.write(`\n${reason}\n`);
  describe('MessageBus contract: Kafka', () => {
    it.skip(reason, () => undefined);
  });
}
