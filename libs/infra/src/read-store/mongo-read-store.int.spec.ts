import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { DocumentChange, ReadModelDocument } from '@ledger/projections';
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
  const serverUrl = async (): Promise<string> => {
    if (url) return url;
    if (!containerUrl) {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer('mongo:7')
        .withExposedPorts(27017)
        .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
        .start();
      stopContainer = () => container.stop();
      containerUrl = `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/ledger_test`;
    }
    return containerUrl;
  };
  readStoreContract(url ? `MongoDB at ${url}` : 'MongoDB (testcontainers mongo:7)', async ({ namespace }) => {
    return new MongoReadStore({ url: await serverUrl(), namespace });
  });

  describe('MongoDB read store: inserts in several commands at once', () => {
    const namespace = `t${randomUUID().replace(/-/g, '').slice(0, 12)}_ins`;
    let store: MongoReadStore;
    const doc = (id: string, n: number): ReadModelDocument => ({ _id: id, lastPosition: n, n });
    const created = (collection: string, docs: ReadModelDocument[]): DocumentChange[] =>
      docs.map((document) => ({ ref: { collection, id: document._id }, document, created: true }));

    beforeAll(async () => {
      // Commands of two documents, two at a time: a commit of a dozen documents takes several rounds.
      store = new MongoReadStore({ url: await serverUrl(), namespace, insertChunk: 2, insertConcurrency: 2 });
    });
    afterAll(async () => {
      await store.reset('ins', ['many']);
      await store.close();
    });

    it('writes every document, replacing the ones wrongly believed new, then the checkpoint', async () => {
      await store.commit(created('many', [doc('d03', 1), doc('d08', 1)]), {
        projection: 'ins',
        position: 1n,
      });
      const docs = Array.from({ length: 12 }, (_, i) => doc(`d${String(i).padStart(2, '0')}`, 2));
      // d03 and d08 exist: their inserts fail with a duplicate key, in different commands.
      await store.commit(created('many', docs), { projection: 'ins', position: 2n });
      expect((await store.find('many', { limit: 100 })).items).toEqual(docs);
      expect(await store.checkpoint('ins')).toBe(2n);
    });
  });

  describe('MongoDB read store: an insert command too large for one message', () => {
    const namespace = `t${randomUUID().replace(/-/g, '').slice(0, 12)}_big`;
    let store: MongoReadStore;
    beforeAll(async () => {
      store = new MongoReadStore({ url: await serverUrl(), namespace });
    });
    afterAll(async () => {
      await store.reset('big', ['big']);
      await store.close();
    });

    it('is split and still writes every document once', async () => {
      // 1,000 documents of 20 kB: one command of the default 1,000 would be 20 MB, over MongoDB's 16 MB.
      const padding = 'x'.repeat(20_000);
      const docs = Array.from({ length: 1_000 }, (_, i) => ({
        _id: `b${String(i).padStart(4, '0')}`,
        lastPosition: 1,
        padding,
      }));
      await store.commit(
        docs.map((document) => ({ ref: { collection: 'big', id: document._id }, document, created: true })),
        { projection: 'big', position: 1n },
      );
      const ids: string[] = [];
      let after: string | undefined;
      do {
        const page = await store.find('big', { limit: 1000, ...(after ? { after } : {}) });
        ids.push(...page.items.map((d) => d._id));
        expect(page.items.every((d) => d.padding === padding)).toBe(true);
        after = page.next;
      } while (after);
      expect(ids).toEqual(docs.map((d) => d._id));
      expect(await store.checkpoint('big')).toBe(1n);
    });
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
