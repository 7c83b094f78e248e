import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ledgerUpcasters } from '@ledger/events';
import { ledgerProjections } from '@ledger/projections';
import { EmbeddedEventStore, EmbeddedReadStore, findAllDocuments, rebuild } from '@ledger/infra';
import { generateHistory } from '../../../../test/support/history-generator';
import { ProjectorThread } from './projector-thread';

/**
 * The projector thread against real embedded stores: it follows what this thread appends (relayed to
 * it, not polled for), answers `waitFor` from the positions it reports, survives its own death, and
 * stops with its checkpoints stored. What it builds equals a rebuild of the same log.
 */
// The thread compiles its TypeScript on start when run from source, as here: seconds, not milliseconds.
jest.setTimeout(120_000);

describe('ProjectorThread', () => {
  let dir: string;
  let events: EmbeddedEventStore;
  let thread: ProjectorThread;
  const exits: string[] = [];
  let reads: EmbeddedReadStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'projector-thread-'));
    reads = new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite') });
    events = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: ledgerUpcasters });
    exits.length = 0;
    thread = new ProjectorThread({
      events,
      readStore: reads,
      onError: (projection, error) => exits.push(`${projection}: ${error}`),
      onExit: (error) => exits.push(error),
      restartDelayMs: 50,
      // Far beyond any wait below: the thread sees appends only because the host relays them.
      pollIntervalMs: 600_000,
    });
  });
  afterEach(async () => {
    await thread.stop();
    await events.close();
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const caughtUp = async () => {
    const head = await events.headPosition();
    for (const p of ledgerProjections) expect(await thread.waitFor(p.name, head, 60_000)).toBe(true);
    return head;
  };

  it('projects what is appended, and what it built equals a rebuild of the log', async () => {
    await generateHistory(events, { events: 400, seed: 3 });
    await thread.start();
    await generateHistory(events, { events: 400, seed: 4 });
    const head = await caughtUp();
    for (const p of ledgerProjections) expect(thread.position(p.name)).toBeGreaterThanOrEqual(head);

    const live = new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite') });
    const rebuilt = new EmbeddedReadStore({ file: join(dir, 'rebuilt.sqlite') });
    try {
      await rebuild(events, ledgerProjections, rebuilt);
      let documents = 0;
      for (const p of ledgerProjections) {
        for (const collection of p.collections) {
          const built = await findAllDocuments(live, collection);
          expect(built).toEqual(await findAllDocuments(rebuilt, collection));
          documents += built.length;
        }
      }
      expect(documents).toBeGreaterThan(100);
    } finally {
      await live.close();
      await rebuilt.close();
    }
    expect(exits).toEqual([]);
  });

  it('is started again when it dies, and carries on from its checkpoints', async () => {
    await thread.start();
    await generateHistory(events, { events: 200, seed: 5 });
    await caughtUp();
    // Nothing the app does kills the thread; terminating it stands in for a crash inside it.
    const worker = (thread as unknown as { worker: Worker }).worker;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    expect(thread.state().alive).toBe(true);
    await worker.terminate();
    await exited;
    // What the health check reports until the thread is up again.
    expect(thread.state().alive).toBe(false);
    await generateHistory(events, { events: 200, seed: 6 });
    await caughtUp();
    expect(thread.state()).toEqual({ alive: true, failing: new Map() });
    expect(exits).toEqual(['exited with code 1']);
  });

  it('stores every checkpoint when it stops', async () => {
    await thread.start();
    await generateHistory(events, { events: 200, seed: 7 });
    const head = await caughtUp();
    await thread.stop();
    const store = new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite') });
    try {
      for (const p of ledgerProjections) expect(await store.checkpoint(p.name)).toBe(head);
    } finally {
      await store.close();
    }
  });
});
