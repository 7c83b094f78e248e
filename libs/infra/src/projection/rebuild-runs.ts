import { RecordedEvent } from '@ledger/events';
import { DocumentRef, Projection, ReadStore } from '@ledger/projections';
import { applyBatch, ChangedDocument, DocumentCache, storedChanges } from './project-batch';

export interface RebuildLimits {
  /** Changed documents held per projection before they are written. */
  readonly flushDocuments: number;
  /** Documents kept in memory per projection; beyond it, they are loaded back. */
  readonly cacheSize: number;
  /**
   * A flush writes the documents no event has changed for this many events (default 20,000) and keeps
   * the others in memory, unless those are most of them. Most documents (a claim's, a payment's) stop
   * changing soon after they start: written once they are cold, they are inserted once and never
   * replaced, which on FerretDB (no `_id` index in use: every replace scans its collection) decides
   * whether a million events take one minute or ten.
   */
  readonly coldAfterEvents?: number;
}

interface Run {
  readonly projection: Projection;
  readonly handles: ReadonlySet<string>;
  readonly cache: DocumentCache;
  readonly dirty: Map<string, DocumentRef>;
  /** Per dirty document: the count of events read when it last changed, and the first position since its last write. */
  readonly touched: Map<string, { at: number; since: bigint }>;
  readonly stored: Set<string>;
  applied: number;
  written: number;
  writing?: Promise<void>;
}

/**
 * The projections of one rebuild on one thread: their documents in memory, changed by each batch and
 * written every `flushDocuments` changed documents and at the end. Each write commits the documents
 * and the checkpoint of the last event they reflect. A rebuild owns its fresh store and starts over
 * if interrupted, so it need not write per batch: a document touched by a thousand events is written
 * once, and a new one is inserted, not upserted.
 */
export class RebuildRuns {
  private readonly runs: Run[];

  constructor(
    projections: readonly Projection[],
    private readonly store: ReadStore,
    private readonly limits: RebuildLimits,
  ) {
    this.runs = projections.map((projection) => ({
      projection,
      handles: new Set(projection.handles),
      // Never evicts by itself: documents not yet written must stay; trimmed after each flush.
      cache: new DocumentCache(Number.POSITIVE_INFINITY, true),
      dirty: new Map<string, DocumentRef>(),
      touched: new Map<string, { at: number; since: bigint }>(),
      stored: new Set<string>(),
      applied: 0,
      written: 0,
    }));
  }

  /** Events read so far: the clock of `coldAfterEvents`. */
  private eventsRead = 0;

  /** Applies a batch (in log order; `last` is the position of the last event read for it). */
  async project(batch: readonly RecordedEvent[], last: bigint): Promise<void> {
    if (batch.length === 0) return;
    this.eventsRead += batch.length;
    const first = batch[0].position;
    for (const run of this.runs) {
      const projected = await applyBatch(run.projection, run.handles, batch, this.store, run.cache, () =>
        this.allWritten(),
      );
      run.applied += projected.applied;
      for (const [key, { ref }] of projected.changed) {
        run.dirty.set(key, ref);
        const touched = run.touched.get(key);
        if (touched === undefined) run.touched.set(key, { at: this.eventsRead, since: first });
        else touched.at = this.eventsRead;
      }
      if (run.cache.size > this.limits.cacheSize) await this.flush(run, last, true, true);
      else if (run.dirty.size >= this.limits.flushDocuments) await this.flush(run, last, false, true);
    }
  }

  /** Writes what is left, checkpointed at `position` (the last event read), and waits for every write. */
  async finish(position: bigint | null): Promise<void> {
    if (position !== null) for (const run of this.runs) await this.flush(run, position, false, false);
    await this.allWritten();
  }

  /** Per projection, the events that changed at least one document. */
  applied(): Record<string, number> {
    return Object.fromEntries(this.runs.map((run) => [run.projection.name, run.applied]));
  }

  /** Per projection, documents written. */
  written(): Record<string, number> {
    return Object.fromEntries(this.runs.map((run) => [run.projection.name, run.written]));
  }

  private async allWritten(): Promise<void> {
    for (const run of this.runs) await run.writing;
  }

  // One write per projection may run while the next batches are projected: the store's work (a
  // server's, for MongoDB) overlaps the projector's. Its documents are converted (snapshots) first.
  private async flush(run: Run, at: bigint, wait: boolean, coldOnly: boolean): Promise<void> {
    await run.writing;
    const coldBefore = this.eventsRead - (this.limits.coldAfterEvents ?? 20_000);
    let keys = [...run.dirty.keys()];
    if (coldOnly) {
      // The cold ones, and at least the coldest half: holding most back would only bring the next
      // flush sooner.
      keys.sort((a, b) => run.touched.get(a)!.at - run.touched.get(b)!.at);
      let take = Math.ceil(keys.length / 2);
      while (take < keys.length && run.touched.get(keys[take])!.at <= coldBefore) take++;
      keys = keys.slice(0, take);
    }
    const documents: ChangedDocument[] = [];
    for (const key of keys) {
      const ref = run.dirty.get(key)!;
      const document = run.cache.get(key) ?? null;
      documents.push({ ref, existed: run.stored.has(key), document });
      if (document === null) run.stored.delete(key);
      else run.stored.add(key);
      run.dirty.delete(key);
      run.touched.delete(key);
    }
    // The checkpoint covers only what is stored: it stops before the first change still held back.
    let checkpoint = at;
    for (const { since } of run.touched.values()) if (since - 1n < checkpoint) checkpoint = since - 1n;
    const changes = storedChanges(run.projection, documents);
    run.written += changes.length;
    const write = this.store.commit(changes, { projection: run.projection.name, position: checkpoint });
    // Awaited before the next write, before any load and at the end; never left unhandled meanwhile.
    write.catch(() => undefined);
    run.writing = write;
    if (!wait) return;
    await write;
    // Everything in the cache but the held-back documents is written: the oldest may go (loaded back if needed).
    run.cache.trim(this.limits.cacheSize, (key) => run.dirty.has(key));
  }
}
