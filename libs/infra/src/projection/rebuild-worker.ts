/**
 * A helper thread of a parallel rebuild (see rebuild-parallel.ts): rebuilds its share of the ledger's
 * projections from the embedded log into the embedded read store or MongoDB, through connections of
 * its own.
 * It reads only the event types its projections handle, up to the bound the main thread chose.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { ledgerUpcasters, RecordedEvent } from '@ledger/events';
import { ledgerProjections, metadataRead, Projection } from '@ledger/projections';
import { EmbeddedEventStore, PageFilter } from '../event-store/embedded-event-store';
import { EmbeddedReadStore } from '../read-store/embedded-read-store';
import type { ReadStoreSpec } from './rebuild-parallel';
import { RebuildLimits, RebuildRuns } from './rebuild-runs';
import { RelayedWrite, RelayedWrites } from './relayed-writes';

/** What the main thread hands a helper (plain data: it crosses threads). */
export interface RebuildWorkerData {
  readonly eventLog: string;
  /** Read through `ledgerUpcasters` (the main thread's log is), or through none. */
  readonly upcast: boolean;
  readonly readStore: ReadStoreSpec;
  /** Embedded read store: commits go to the main thread, which writes them (see relayed-writes.ts). */
  readonly relayWrites: boolean;
  /** Names of projections in `ledgerProjections`. */
  readonly projections: readonly string[];
  /** Position of the last event to apply (decimal), null if there is none. */
  readonly last: string | null;
  readonly batchSize: number;
  readonly limits: RebuildLimits;
}

export type RebuildWorkerMessage =
  /** Every event up to `position` is applied (not necessarily written). */
  | { readonly kind: 'progress'; readonly position: string }
  | RelayedWrite
  | {
      readonly kind: 'done';
      readonly applied: Record<string, number>;
      readonly written: Record<string, number>;
    }
  | { readonly kind: 'failed'; readonly message: string; readonly stack?: string };

type Done = Extract<RebuildWorkerMessage, { kind: 'done' }>;

const PROGRESS_EVERY_MS = 100;

async function work(data: RebuildWorkerData, report: (message: RebuildWorkerMessage) => void): Promise<Done> {
  const projections = data.projections.map((name) => {
    const found = ledgerProjections.find((p) => p.name === name);
    if (found === undefined) throw new Error(`no ledger projection named ${name}`);
    return found;
  });
  const events = new EmbeddedEventStore({
    file: data.eventLog,
    readOnly: true,
    ...(data.upcast ? { upcasters: ledgerUpcasters } : {}),
  });
  // The MongoDB driver is loaded only when it is used: it is most of what a helper thread loads.
  const store =
    data.readStore.kind === 'mongo'
      ? new (await import('../read-store/mongo-read-store')).MongoReadStore(data.readStore.options)
      : data.relayWrites && parentPort !== null
        ? new RelayedWrites(new EmbeddedReadStore(data.readStore.options), parentPort)
        : new EmbeddedReadStore(data.readStore.options);
  try {
    for (const p of projections) await store.reset(p.name, p.collections);
    const runs = new RebuildRuns(projections, store, data.limits);
    const last = data.last === null ? null : BigInt(data.last);
    if (last !== null) {
      const filter = { eventTypes: handledTypes(projections), metadata: metadataRead(projections) };
      await project(events, runs, last, filter, data.batchSize, report);
    }
    await runs.finish(last);
    if (last !== null) report({ kind: 'progress', position: String(last) });
    return { kind: 'done', applied: runs.applied(), written: runs.written() };
  } finally {
    await store.close();
    // Its writer thread never wrote: the answer need not wait for it to wind down.
    void events.close();
  }
}

/** Applies the events its projections handle, up to `last`, in pages of `batchSize`. */
async function project(
  events: EmbeddedEventStore,
  runs: RebuildRuns,
  last: bigint,
  filter: PageFilter,
  batchSize: number,
  report: (message: RebuildWorkerMessage) => void,
): Promise<void> {
  const bound = Number(last);
  let reported = performance.now();
  let after = -1;
  for (const page of events.pages(after, batchSize, filter)) {
    let batch: RecordedEvent[] = page.events;
    if (batch.length > 0 && batch[batch.length - 1].position > last)
      batch = batch.filter((event) => event.position <= last);
    const scanned = Math.min(page.scannedTo, bound);
    await runs.project(batch, BigInt(scanned), scanned - Math.max(after, 0));
    if (performance.now() - reported >= PROGRESS_EVERY_MS) {
      report({ kind: 'progress', position: String(scanned) });
      reported = performance.now();
    }
    if (scanned >= bound) return;
    after = scanned;
  }
}

/** The event types its projections handle. */
function handledTypes(projections: readonly Projection[]): string[] {
  return [...new Set(projections.flatMap((p) => p.handles))];
}

if (parentPort !== null) {
  const port = parentPort;
  // Done is reported once its connections are closed.
  work(workerData as RebuildWorkerData, (message) => port.postMessage(message)).then(
    (done) => port.postMessage(done),
    (error: Error) =>
      port.postMessage({
        kind: 'failed',
        message: error.message,
        stack: error.stack,
      } satisfies RebuildWorkerMessage),
  );
}
