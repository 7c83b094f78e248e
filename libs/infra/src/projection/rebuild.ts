import { performance } from 'node:perf_hooks';
import { EventStore, RecordedEvent } from '@ledger/events';
import { DocumentRef, Projection, ReadStore } from '@ledger/projections';
import { applyBatch, ChangedDocument, DocumentCache, storedChanges } from './project-batch';

export interface RebuildOptions {
  /** Last position to apply (inclusive): the read models as of that point of the log. */
  readonly toPosition?: bigint;
  /** Stops before the first event for which this returns true (e.g. one that occurred after a date). */
  readonly until?: (event: RecordedEvent) => boolean;
  /** Events projected together (default 5,000). */
  readonly batchSize?: number;
  /**
   * Changed documents held in memory before they are written (default 50,000 per projection; more
   * writes cost more than memory, and on FerretDB replacing a written document is slow). Each
   * write commits the documents and the checkpoint of the last event projected, and runs while the
   * next batches are projected.
   */
  readonly flushDocuments?: number;
  /** Documents kept in memory per projection (default 200,000); beyond it, they are loaded back. */
  readonly cacheSize?: number;
  readonly onProgress?: (progress: RebuildProgress) => void;
}

export interface RebuildProgress {
  /** Events read from the log so far. */
  readonly events: number;
  /** Position of the last event read, null if none was. */
  readonly position: bigint | null;
  readonly elapsedMs: number;
  readonly eventsPerSecond: number;
}

export interface RebuildResult extends RebuildProgress {
  /** Per projection, the events that changed at least one document. */
  readonly applied: Readonly<Record<string, number>>;
  /** Per projection, documents written (a document changed by many events is written once per flush). */
  readonly written: Readonly<Record<string, number>>;
}

/**
 * Rebuilds projections from the start of the log into `store` (a namespaced one, to build beside the
 * live read models): resets their collections and checkpoints, reads the log once for all of them,
 * and keeps the documents in memory, writing the changed ones every `flushDocuments` and at the end.
 * A rebuild owns its fresh store and starts over if interrupted, so it need not write per batch: a
 * document touched by a thousand events is written once, and a new one is inserted, not upserted.
 */
export async function rebuild(
  eventStore: EventStore,
  projections: readonly Projection[],
  store: ReadStore,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const batchSize = options.batchSize ?? 5000;
  const flushDocuments = options.flushDocuments ?? 50_000;
  const cacheSize = Math.max(options.cacheSize ?? 200_000, flushDocuments);
  const started = performance.now();
  for (const p of projections) await store.reset(p.name, p.collections);
  const runs = projections.map((projection) => ({
    projection,
    handles: new Set(projection.handles),
    // Never evicts by itself: documents not yet written must stay; trimmed after each flush.
    cache: new DocumentCache(Number.POSITIVE_INFINITY, true),
    dirty: new Map<string, DocumentRef>(),
    stored: new Set<string>(),
    applied: 0,
    written: 0,
  }));

  let events = 0;
  let position: bigint | null = null;
  const progress = (): RebuildProgress => {
    const elapsedMs = performance.now() - started;
    return { events, position, elapsedMs, eventsPerSecond: elapsedMs > 0 ? (events * 1000) / elapsedMs : 0 };
  };

  // One write per projection may run while the next batches are projected: the store's work (a
  // server's, for MongoDB) overlaps the projector's. Its documents are converted (snapshots) first.
  const writing = new Map<(typeof runs)[number], Promise<void>>();
  const allWritten = async () => {
    for (const write of [...writing.values()]) await write;
  };
  const flush = async (run: (typeof runs)[number], at: bigint, wait: boolean) => {
    await writing.get(run);
    const documents: ChangedDocument[] = [];
    for (const [key, ref] of run.dirty) {
      const document = run.cache.get(key) ?? null;
      documents.push({ ref, existed: run.stored.has(key), document });
      if (document === null) run.stored.delete(key);
      else run.stored.add(key);
    }
    const changes = storedChanges(run.projection, documents);
    run.dirty.clear();
    run.written += changes.length;
    const write = store.commit(changes, { projection: run.projection.name, position: at });
    // Awaited before the next write, before any load and at the end; never left unhandled meanwhile.
    write.catch(() => undefined);
    writing.set(run, write);
    if (!wait) return;
    await write;
    // Everything in the cache is written now: the oldest documents may go (loaded back if needed).
    run.cache.trim(cacheSize);
  };

  const project = async (batch: RecordedEvent[]) => {
    const last = batch[batch.length - 1].position;
    for (const run of runs) {
      const projected = await applyBatch(run.projection, run.handles, batch, store, run.cache, allWritten);
      run.applied += projected.applied;
      for (const [key, { ref }] of projected.changed) run.dirty.set(key, ref);
      if (run.cache.size > cacheSize) await flush(run, last, true);
      else if (run.dirty.size >= flushDocuments) await flush(run, last, false);
    }
    events += batch.length;
    position = last;
    options.onProgress?.(progress());
  };

  let batch: RecordedEvent[] = [];
  for await (const event of eventStore.readAll({ fromPosition: 'start' })) {
    if (options.toPosition !== undefined && event.position > options.toPosition) break;
    if (options.until?.(event)) break;
    batch.push(event);
    if (batch.length >= batchSize) {
      await project(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await project(batch);
  if (position !== null) for (const run of runs) await flush(run, position, false);
  await allWritten();
  const applied: Record<string, number> = {};
  const written: Record<string, number> = {};
  for (const run of runs) {
    applied[run.projection.name] = run.applied;
    written[run.projection.name] = run.written;
  }
  return { ...progress(), applied, written };
}
