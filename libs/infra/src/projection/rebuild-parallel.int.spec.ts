import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerUpcasters } from '@ledger/events';
import { ledgerProjections, ReadStore } from '@ledger/projections';
import { generateHistory } from '../../../../test/support/history-generator';
import { EmbeddedEventStore } from '../event-store/embedded-event-store';
import { EmbeddedReadStore } from '../read-store/embedded-read-store';
import { MongoReadStore } from '../read-store/mongo-read-store';
import { findAllDocuments } from '../read-store/create-read-store';
import { rebuild } from './rebuild';

jest.setTimeout(120_000);

/** Every document and checkpoint of the ledger's projections, as stored. */
async function snapshot(store: ReadStore): Promise<Record<string, unknown>> {
  const all: Record<string, unknown> = {};
  for (const projection of ledgerProjections) {
    all[`checkpoint:${projection.name}`] = await store.checkpoint(projection.name);
    for (const collection of projection.collections) {
      const documents = await findAllDocuments(store, collection);
      all[collection] = documents.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
    }
  }
  return all;
}

/** How many documents the ledger's projections hold in `store`. */
async function snapshotSize(store: ReadStore): Promise<number> {
  let count = 0;
  for (const projection of ledgerProjections)
    for (const collection of projection.collections)
      count += (await findAllDocuments(store, collection)).length;
  return count;
}

describe('parallel rebuild on the embedded stores', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-rebuild-parallel-'));
  const file = join(dir, 'read-models.sqlite');
  let events: EmbeddedEventStore;
  const stores: EmbeddedReadStore[] = [];
  const open = (namespace: string) => {
    const store = new EmbeddedReadStore({ file, namespace });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    events = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: ledgerUpcasters });
    await generateHistory(events, { events: 4_000, seed: 5 });
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes exactly what the rebuild on one thread writes, checkpoints included', async () => {
    const serial = open('serial');
    const parallel = open('parallel');
    const one = await rebuild(events, ledgerProjections, serial, { parallel: false });
    const two = await rebuild(events, ledgerProjections, parallel, { parallel: true, batchSize: 300 });
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.events).toBe(one.events);
    expect(two.position).toBe(await events.headPosition());
    expect(two.applied).toEqual(one.applied);
    expect(two.written).toEqual(one.written);
    expect(await snapshot(parallel)).toEqual(await snapshot(serial));
  });

  it('stores what one thread stores when it writes along the way too (small limits: cold writes, trimmed caches)', async () => {
    const limits = { flushDocuments: 60, coldAfterEvents: 300, cacheSize: 120, batchSize: 100 };
    const serial = open('serial_small');
    const parallel = open('parallel_small');
    const one = await rebuild(events, ledgerProjections, serial, { ...limits, parallel: false });
    const two = await rebuild(events, ledgerProjections, parallel, { ...limits, parallel: true });
    expect(two.threads).toBe(2);
    // Both wrote documents before the end and again later (more writes than documents): the helpers'
    // cold writes, held-back checkpoints and cache trims ran. (When a page is cut differs on a helper,
    // which reads only its types, so how often each document was written may differ; what is stored may not.)
    const documents = await snapshotSize(serial);
    const total = (written: Record<string, number>) => Object.values(written).reduce((a, b) => a + b);
    expect(total(one.written)).toBeGreaterThan(documents);
    expect(total(two.written)).toBeGreaterThan(documents);
    expect(await snapshot(parallel)).toEqual(await snapshot(serial));
  });

  it('stops at a position, with the shares given', async () => {
    const cut = (await events.headPosition()) / 2n;
    const serial = open('serial_cut');
    const parallel = open('parallel_cut');
    await rebuild(events, ledgerProjections, serial, { parallel: false, toPosition: cut });
    const two = await rebuild(events, ledgerProjections, parallel, {
      parallel: true,
      toPosition: cut,
      shares: [['balances'], ['approvals', 'payments', 'risk', 'reconciliation']],
    });
    expect(two.position).toBe(cut);
    expect(await parallel.checkpoint('balances')).toBe(cut);
    expect(await snapshot(parallel)).toEqual(await snapshot(serial));
  });

  it('reports progress up to the last position', async () => {
    const seen: Array<bigint | null> = [];
    const result = await rebuild(events, ledgerProjections, open('progress'), {
      parallel: true,
      batchSize: 500,
      onProgress: (p) => seen.push(p.position),
    });
    // Reported every 100 ms and at the end: how many times depends on the machine.
    expect([...seen].sort((a, b) => (a! < b! ? -1 : a! > b! ? 1 : 0))).toEqual(seen);
    expect(seen[seen.length - 1]).toBe(result.position);
  });

  it('says why it cannot when told to run in parallel', async () => {
    const memory = new EmbeddedReadStore({ file: ':memory:' });
    stores.push(memory);
    await expect(rebuild(events, ledgerProjections, memory, { parallel: true })).rejects.toThrow(
      /cannot rebuild in parallel: an in-memory read store/,
    );
    await expect(
      rebuild(events, ledgerProjections, open('until'), { parallel: true, until: () => false }),
    ).rejects.toThrow(/cannot rebuild in parallel: a bound by predicate/);
    const foreign = { ...ledgerProjections[0], name: 'copy' };
    await expect(rebuild(events, [foreign], open('foreign'), { parallel: true })).rejects.toThrow(
      /projection copy is not one of the ledger's/,
    );
  });
});

/** The same on MongoDB (FerretDB in CI): runs where MONGO_URL is set, says why otherwise. */
const mongoUrl = process.env.MONGO_URL;
if (mongoUrl) {
  describe(`parallel rebuild into MongoDB at ${mongoUrl}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-rebuild-parallel-mongo-'));
    let events: EmbeddedEventStore;
    const stores: MongoReadStore[] = [];
    const open = (name: string) => {
      const store = new MongoReadStore({ url: mongoUrl, namespace: `${name}_${process.pid}_${Date.now()}` });
      stores.push(store);
      return store;
    };

    beforeAll(async () => {
      events = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: ledgerUpcasters });
      await generateHistory(events, { events: 3_000, seed: 11 });
    });
    afterAll(async () => {
      for (const store of stores) {
        for (const p of ledgerProjections) await store.reset(p.name, p.collections);
        await store.close();
      }
      await events.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes exactly what the rebuild on one thread writes, each helper through its own connection', async () => {
      const serial = open('serial');
      const parallel = open('parallel');
      const one = await rebuild(events, ledgerProjections, serial, { parallel: false });
      const two = await rebuild(events, ledgerProjections, parallel, { parallel: true, batchSize: 400 });
      expect(one.threads).toBe(1);
      expect(two.threads).toBe(2);
      expect(two.written).toEqual(one.written);
      expect(await snapshot(parallel)).toEqual(await snapshot(serial));
    });
  });
} else {
  const reason =
    'parallel rebuild into MongoDB skipped: MONGO_URL is not set (CI sets it to the FerretDB that scripts/servers/ferretdb.sh starts).';
  process.stdout.write(`\n${reason}\n`);
  describe('parallel rebuild into MongoDB', () => {
    it.skip(reason, () => undefined);
  });
}
