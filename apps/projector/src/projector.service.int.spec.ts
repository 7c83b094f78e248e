import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerUpcasters, Upcasters } from '@ledger/events';
import { EmbeddedEventStore, EmbeddedReadStore, findAllDocuments, HealthRegistry } from '@ledger/infra';
import { generateHistory } from '../../../test/support/history-generator';
import { threadData } from './projector-thread/projector-thread';
import { ProjectorService } from './projector.service';

/** Where the embedded projections run: on their thread when it can open the same stores, else here. */
describe('ProjectorService with the embedded stores', () => {
  let dir: string;
  let events: EmbeddedEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'projector-service-'));
    events = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: ledgerUpcasters });
  });
  afterEach(async () => {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function projectWith(readStore: EmbeddedReadStore): Promise<{ adapter: string; payments: number }> {
    const health = new HealthRegistry();
    const service = new ProjectorService(events, readStore, health);
    await service.onApplicationBootstrap();
    try {
      await generateHistory(events, { events: 300, seed: 21 });
      const head = await events.headPosition();
      expect(await service.waitFor('payments', head, 60_000)).toBe(true);
      const { adapters } = await health.report();
      // What this process's own connection to the store sees.
      const payments = (await findAllDocuments(readStore, 'payments')).length;
      return { adapter: adapters.projector.adapter, payments };
    } finally {
      await service.onApplicationShutdown();
      await readStore.close();
    }
  }

  it('projects on its thread into a read store in a file', async () => {
    const result = await projectWith(new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite') }));
    expect(result.adapter).toBe('projector-thread');
    expect(result.payments).toBeGreaterThan(0);
  });

  it('projects on the main thread into an in-memory read store, which a thread could not open', async () => {
    // A thread would have projected into an in-memory store of its own, which this process never sees.
    const result = await projectWith(new EmbeddedReadStore({ file: ':memory:' }));
    expect(result.adapter).toBe('projection-runner');
    expect(result.payments).toBeGreaterThan(0);
  });

  it('keeps a log read through other upcasters off the thread, which reads with the ledger’s', async () => {
    const other = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: new Upcasters([]) });
    try {
      const reads = new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite') });
      expect(threadData(other, reads)).toMatch(/upcasters/);
      expect(threadData(events, reads)).toMatchObject({ upcast: true, eventsFile: events.file });
      await reads.close();
    } finally {
      await other.close();
    }
  });
});
