import { existsSync } from 'node:fs';
import { readStoreContract } from '../../../../test/contracts/read-store.contract';
import { createReadStore } from './create-read-store';
import { databaseName, MongoReadStore } from './mongo-read-store';

/**
 * The same contract against MongoDB: the server named by MONGO_URL (CI points it at FerretDB v1), or a
 * mongo:7 started by testcontainers where a Docker engine answers. With neither, it says why it skipped.
 */
const url = process.env.MONGO_URL;
const docker = Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');

describe('MongoDB read store configuration', () => {
  it('takes the database from the URL path, ledger by default', () => {
    expect(databaseName('mongodb://127.0.0.1:27018/')).toBe('ledger');
    expect(databaseName('mongodb://127.0.0.1:27018')).toBe('ledger');
    expect(databaseName('mongodb://a:1,b:2/reads?replicaSet=rs0')).toBe('reads');
    expect(databaseName('mongodb+srv://user:pw@cluster.example/ledger_prod')).toBe('ledger_prod');
  });

  it('is what createReadStore makes when MONGO_URL is set', async () => {
    const store = createReadStore({ MONGO_URL: 'mongodb://127.0.0.1:1/x' });
    expect(store).toBeInstanceOf(MongoReadStore);
    await store.close();
  });
});

if (url || docker) {
  jest.setTimeout(180_000);
  let stopContainer: (() => Promise<unknown>) | undefined;
  let containerUrl: string | undefined;
  afterAll(async () => stopContainer?.());
  readStoreContract(url ? `MongoDB at ${url}` : 'MongoDB (testcontainers mongo:7)', async ({ namespace }) => {
    if (url) return new MongoReadStore({ url, namespace });
    if (!containerUrl) {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer('mongo:7')
        .withExposedPorts(27017)
        .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
        .start();
      stopContainer = () => container.stop();
      containerUrl = `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/ledger_test`;
    }
    return new MongoReadStore({ url: containerUrl, namespace });
  });
} else {
  const reason =
    'MongoDB read store contract suite skipped: MONGO_URL is not set and no Docker engine is reachable ' +
    '(no DOCKER_HOST, no /var/run/docker.sock), so no MongoDB server can be had.';
  process.stdout.write(`\n${reason}\n`);
  describe('ReadStore contract: MongoDB', () => {
    it.skip(reason, () => undefined);
  });
}
