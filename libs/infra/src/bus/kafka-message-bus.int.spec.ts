import { existsSync } from 'node:fs';
import { messageBusContract } from '../../../../test/contracts/message-bus.contract';
import { freePort } from '../../../../test/support/app-process';
import { BusLogger } from './bus-logger';
import { KafkaMessageBus } from './kafka-message-bus';

/**
 * The same contract against Kafka: the brokers named by KAFKA_BROKERS (scripts/servers/kafka.sh
 * starts one on loopback), or a single-node KRaft broker (apache/kafka) started by testcontainers where
 * a Docker engine answers. With neither, the suite says why it did not run.
 */
const configured = process.env.KAFKA_BROKERS;
const docker = Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');

/** Handler failures are expected here; their warnings would only bury real output. */
const quietLogger: BusLogger = { warn: () => undefined, error: () => undefined };

if (configured || docker) {
  jest.setTimeout(180_000);
  let brokers = configured;
  let stopContainer: (() => Promise<unknown>) | undefined;
  afterAll(async () => stopContainer?.());
  messageBusContract(
    configured ? `Kafka at ${configured}` : 'Kafka (testcontainers apache/kafka:3.9.0)',
    async () => {
      brokers ??= await startKafkaContainer((stop) => (stopContainer = stop));
      return new KafkaMessageBus({
        brokers: brokers.split(',').map((b) => b.trim()),
        clientId: 'message-bus-contract',
        retryDelayMs: 20,
        maxRetryDelayMs: 100,
        heartbeatIntervalMs: 300,
        sessionTimeoutMs: 10_000,
        logger: quietLogger,
      });
    },
    { waitMs: 60_000 },
  );
} else {
  const reason =
    'Kafka message bus contract suite skipped: KAFKA_BROKERS is not set ' +
    '(bash scripts/servers/kafka.sh start prints it) and no Docker engine is reachable for testcontainers.';
  process.stdout.write(`\n${reason}\n`);
  describe('MessageBus contract: Kafka', () => {
    it.skip(reason, () => undefined);
  });
}

/**
 * A KRaft broker in a container. Kafka hands clients the address it advertises, so the host port is
 * chosen first and advertised as it is.
 */
async function startKafkaContainer(onStop: (stop: () => Promise<unknown>) => void): Promise<string> {
  const hostPort = await freePort();
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('apache/kafka:3.9.0')
    .withExposedPorts({ container: 9092, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${hostPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  onStop(() => container.stop());
  return `127.0.0.1:${hostPort}`;
}
