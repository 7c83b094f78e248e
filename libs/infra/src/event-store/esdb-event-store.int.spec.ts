import { existsSync } from 'node:fs';
import { eventStoreContract } from '../../../../test/contracts/event-store.contract';
import { EsdbEventStore } from './esdb-event-store';

/**
 * The same contract against EventStoreDB: the server named by EVENTSTORE_URL, or one started by
 * testcontainers where a Docker engine answers. With neither, the suite says why it did not run.
 */
const url = process.env.EVENTSTORE_URL;
const docker = Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');

if (url || docker) {
  jest.setTimeout(180_000);
  let stopContainer: (() => Promise<unknown>) | undefined;
  afterAll(async () => stopContainer?.());
  eventStoreContract(url ? `EventStoreDB at ${url}` : 'EventStoreDB (testcontainers)', async () => {
    if (url) return new EsdbEventStore(url);
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('eventstore/eventstore:24.10')
      .withEnvironment({
        EVENTSTORE_INSECURE: 'true',
        EVENTSTORE_MEM_DB: 'true',
        EVENTSTORE_RUN_PROJECTIONS: 'None',
      })
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
      .start();
    stopContainer = () => container.stop();
    return new EsdbEventStore(`esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`);
  });
} else {
  const reason =
    'EventStoreDB contract suite skipped: EVENTSTORE_URL is not set and no Docker engine is reachable ' +
    '(no DOCKER_HOST, no /var/run/docker.sock), so no EventStoreDB server can be had.';
  process.stdout.write(`\n${reason}\n`);
  describe('EventStore contract: EventStoreDB', () => {
    it.skip(reason, () => undefined);
  });
}
