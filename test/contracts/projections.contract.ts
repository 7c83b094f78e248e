import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ledgerUpcasters, RecordedEvent } from '@ledger/events';
import {
  BALANCES_ACCOUNTS,
  ledgerProjections,
  ReadModelDocument,
  ReadStore,
  trialBalance,
} from '@ledger/projections';
import { EmbeddedEventStore, findAllDocuments, ProjectionRunner, rebuild } from '@ledger/infra';
import { collection, projectAll } from '@ledger/projections/projections/testing/in-memory-runner';
import { collect, testEvent } from '../support/events';
import { generateHistory } from '../support/history-generator';

/**
 * Every projection, run by the projector against a given read store, must give exactly the
 * documents of the pure in-memory fold of the same log: live (following the subscription, in
 * batches) and rebuilt (replay).
 */
export function projectionsContract(name: string, connect: (namespace: string) => Promise<ReadStore>): void {
  describe(`projections on ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-projections-'));
    let events: EmbeddedEventStore;
    let log: RecordedEvent[];
    const stores: ReadStore[] = [];
    const open = async (label: string) => {
      const store = await connect(`${label}_${randomUUID().slice(0, 8)}`);
      stores.push(store);
      return store;
    };

    beforeAll(async () => {
      events = new EmbeddedEventStore({
        file: join(dir, 'events.sqlite'),
        upcasters: ledgerUpcasters,
        pollIntervalMs: 20,
      });
      await generateHistory(events, { events: 3_000, seed: 11 });
      log = await collect(events.readAll());
    });
    afterAll(async () => {
      for (const store of stores) await store.close();
      await events.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function expectSameAsFold(store: ReadStore, upTo: RecordedEvent[]) {
      for (const projection of ledgerProjections) {
        const expected = projectAll(projection, upTo);
        for (const name of projection.collections) {
          const want = collection(expected, name).sort(byId);
          const got = await findAllDocuments(store, name);
          expect({ collection: name, documents: got.sort(byId) }).toEqual({
            collection: name,
            documents: want,
          });
        }
      }
    }

    it('live: follows the log from the start and through new appends, matching the pure fold', async () => {
      const store = await open('live');
      const runner = new ProjectionRunner({
        eventStore: events,
        readStore: store,
        projections: ledgerProjections,
        batchSize: 500,
      });
      await runner.start();
      const head = log[log.length - 1].position;
      expect(await runner.waitFor(head, 30_000)).toBe(true);
      const more = await generateHistory(events, { events: 300, seed: 12 });
      expect(more).toBeGreaterThan(0);
      // An event no projection handles still moves every checkpoint.
      const last = await events.appendToStream(`unrelated-${randomUUID()}`, [testEvent('Unrelated')], {
        expectedRevision: 'no_stream',
      });
      expect(await runner.waitFor(last.position, 30_000)).toBe(true);
      await runner.stop();
      const all = await collect(events.readAll());
      await expectSameAsFold(store, all);
      for (const projection of ledgerProjections)
        expect(await store.checkpoint(projection.name)).toBe(last.position);
      const accounts = (await store.find(BALANCES_ACCOUNTS, { limit: 1000 })).items;
      for (const ledger of trialBalance(accounts)) expect(ledger.balanced).toBe(true);
    });

    it('resumes from its checkpoint after a stop, counting nothing twice', async () => {
      const store = await open('resume');
      const head = await events.headPosition();
      const first = new ProjectionRunner({
        eventStore: events,
        readStore: store,
        projections: ledgerProjections,
        batchSize: 200,
      });
      await first.start();
      await first.waitFor(log[Math.floor(log.length / 2)].position, 30_000);
      await first.stop();
      const second = new ProjectionRunner({
        eventStore: events,
        readStore: store,
        projections: ledgerProjections,
        batchSize: 200,
      });
      await second.start();
      expect(await second.waitFor(head, 30_000)).toBe(true);
      await second.stop();
      for (const projection of ledgerProjections) expect(second.position(projection.name)).toBe(head);
      await expectSameAsFold(store, await collect(events.readAll()));
    });

    it('rebuilds from zero, and as of a position', async () => {
      const store = await open('rebuild');
      const cut = log[Math.floor(log.length / 3)].position;
      const partial = await rebuild(events, ledgerProjections, store, { toPosition: cut, batchSize: 700 });
      expect(partial.position).toBe(cut);
      await expectSameAsFold(
        store,
        log.filter((e) => e.position <= cut),
      );
      const full = await rebuild(events, ledgerProjections, store, { batchSize: 700 });
      expect(full.eventsPerSecond).toBeGreaterThan(0);
      await expectSameAsFold(store, await collect(events.readAll()));
    });
  });
}

function byId(a: ReadModelDocument, b: ReadModelDocument): number {
  return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
}
