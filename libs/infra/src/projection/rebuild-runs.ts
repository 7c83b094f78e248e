import { RecordedEvent } from '@ledger/events';
import { DocumentRef, Projection, ReadModelDocument, ReadStore } from '@ledger/projections';
import { applyBatch, ChangedDocument, DocumentCache, Slot, storedChanges } from './project-batch';

/** Default of `RebuildLimits.coldAfterEvents`. */
export const COLD_AFTER_EVENTS = 20_000;
/** Default of `RebuildLimits.coldBatch`. */
export const COLD_BATCH = 5_000;

export interface RebuildLimits {
  /** Changed documents held per projection before they are written. */
  readonly flushDocuments: number;
  /** Documents kept in memory per projection; beyond it, they are loaded back. */
  readonly cacheSize: number;
  /**
   * A flush writes the documents no event has changed for this many events (`COLD_AFTER_EVENTS`) and keeps
   * the others in memory, unless those are most of them. Most documents (a claim's, a payment's) stop
   * changing soon after they start: written once they are cold, they are inserted once and never
   * replaced, which on FerretDB (no `_id` index in use: every replace scans its collection) decides
   * whether a million events take one minute or ten.
   */
  readonly coldAfterEvents?: number;
  /**
   * Cold documents written together as soon as there are this many (`COLD_BATCH`), without waiting
   * for `flushDocuments`: the store writes them while the next events are projected, and the last
   * write, which nothing overlaps, holds only the documents still hot at the end.
   */
  readonly coldBatch?: number;
}

/** A document of a rebuild, with what the rebuild keeps to know when to write it. */
interface RebuildSlot extends Slot {
  /** In the store (written by an earlier flush). */
  stored: boolean;
  /** Changed since its last write (or never written). */
  dirty: boolean;
  /** The count of events read when it last changed. */
  at: number;
  /** The first position applied to it since its last write. */
  since: bigint;
  /** Its entry in the run's `order` (older entries of the same slot are stale). */
  seq: number;
}

interface Run {
  readonly projection: Projection;
  readonly handles: ReadonlySet<string>;
  readonly cache: DocumentCache<RebuildSlot>;
  /**
   * The dirty documents, least recently changed first: a slot is appended each batch it changes in,
   * with the sequence number it then takes, so entries whose number is not the slot's are stale. The
   * cold documents are the first live entries. Compacted by each flush.
   */
  order: RebuildSlot[];
  orderSeq: number[];
  seq: number;
  dirty: number;
  applied: number;
  written: number;
  writing?: Promise<void>;
}

const newSlot = (key: string, ref: DocumentRef, document: ReadModelDocument | null): RebuildSlot => ({
  key,
  ref,
  document,
  batch: 0,
  existed: false,
  stored: document !== null,
  dirty: false,
  at: 0,
  since: 0n,
  seq: 0,
});

/** The live entries of the run's `order`, oldest change first. */
function* dirtySlots(run: Run): Generator<RebuildSlot> {
  for (let i = 0; i < run.order.length; i++) {
    const slot = run.order[i];
    if (slot.dirty && slot.seq === run.orderSeq[i]) yield slot;
  }
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
  private readonly coldAfterEvents: number;
  private readonly coldBatch: number;

  constructor(
    projections: readonly Projection[],
    private readonly store: ReadStore,
    private readonly limits: RebuildLimits,
  ) {
    this.coldAfterEvents = limits.coldAfterEvents ?? COLD_AFTER_EVENTS;
    this.coldBatch = limits.coldBatch ?? COLD_BATCH;
    this.runs = projections.map((projection) => ({
      projection,
      handles: new Set(projection.handles),
      // Never evicts by itself: documents not yet written must stay; trimmed after each flush, oldest
      // first (not least recently used: reordering on every change cost more than the rare reloads).
      cache: new DocumentCache<RebuildSlot>(Number.POSITIVE_INFINITY, true, newSlot, false),
      order: [],
      orderSeq: [],
      seq: 0,
      dirty: 0,
      applied: 0,
      written: 0,
    }));
  }

  /** Events read so far: the clock of `coldAfterEvents`. */
  private eventsRead = 0;
  private coldCheckAt = 0;

  /**
   * Applies a batch (in log order; `last` is the position of the last event read for it, `covered` the
   * number of log events it stands for).
   */
  async project(batch: readonly RecordedEvent[], last: bigint, covered = batch.length): Promise<void> {
    // The clock counts the log's events, also those a filtered reader skipped (`covered`): "cold after
    // 20,000 events" means the same on a helper thread as on one that reads everything.
    this.eventsRead += covered;
    if (batch.length === 0) return;
    // Looking for cold documents ten times per `coldAfterEvents` (at most every 2,000 events) is enough.
    const checkCold = this.eventsRead >= this.coldCheckAt;
    if (checkCold) this.coldCheckAt = this.eventsRead + this.coldCheckEvery();
    const first = batch[0].position;
    for (const run of this.runs) {
      const projected = await applyBatch(run.projection, run.handles, batch, this.store, run.cache, () =>
        this.allWritten(),
      );
      run.applied += projected.applied;
      for (const slot of projected.changed) {
        if (!slot.dirty) {
          slot.dirty = true;
          slot.since = first;
          run.dirty += 1;
        }
        slot.at = this.eventsRead;
        slot.seq = ++run.seq;
        run.order.push(slot);
        run.orderSeq.push(slot.seq);
      }
      if (run.cache.size > this.limits.cacheSize) await this.flush(run, last, true, 'coldOrHalf');
      else if (run.dirty >= this.limits.flushDocuments) await this.flush(run, last, false, 'coldOrHalf');
      else if (checkCold && this.coldCount(run) >= this.coldBatch) await this.flush(run, last, false, 'cold');
      else if (run.order.length > 4 * run.dirty + 100_000) compact(run);
    }
  }

  private coldCheckEvery(): number {
    return Math.max(1, Math.min(2_000, Math.floor(this.coldAfterEvents / 10)));
  }

  /** Dirty documents unchanged for `coldAfterEvents`, counted up to `coldBatch`. */
  private coldCount(run: Run): number {
    const coldBefore = this.eventsRead - this.coldAfterEvents;
    const enough = this.coldBatch;
    if (!Number.isFinite(enough)) return 0;
    let count = 0;
    for (const { at } of dirtySlots(run)) {
      if (at > coldBefore || count >= enough) break;
      count++;
    }
    return count;
  }

  /** Writes what is left, checkpointed at `position` (the last event read), and waits for every write. */
  async finish(position: bigint | null): Promise<void> {
    if (position !== null) for (const run of this.runs) await this.flush(run, position, false, 'all');
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
  // `all` writes every dirty document; `cold` those unchanged for `coldAfterEvents`; `coldOrHalf` the
  // cold ones and at least the coldest half (holding most back would only bring the next flush sooner).
  private async flush(
    run: Run,
    at: bigint,
    wait: boolean,
    which: 'all' | 'cold' | 'coldOrHalf',
  ): Promise<void> {
    await run.writing;
    const coldBefore = this.eventsRead - this.coldAfterEvents;
    const half = which === 'coldOrHalf' ? Math.ceil(run.dirty / 2) : 0;
    const documents: ChangedDocument[] = [];
    for (const slot of dirtySlots(run)) {
      if (which !== 'all' && documents.length >= half && slot.at > coldBefore) break;
      documents.push({ ref: slot.ref, existed: slot.stored, document: slot.document });
      slot.stored = slot.document !== null;
      slot.dirty = false;
      run.dirty -= 1;
    }
    compact(run);
    // The checkpoint covers only what is stored: it stops before the first change still held back.
    let checkpoint = at;
    for (const { since } of dirtySlots(run)) if (since - 1n < checkpoint) checkpoint = since - 1n;
    const changes = storedChanges(run.projection, documents);
    run.written += changes.length;
    const write = this.store.commit(changes, { projection: run.projection.name, position: checkpoint });
    // Awaited before the next write, before any load and at the end; never left unhandled meanwhile.
    write.catch(() => undefined);
    run.writing = write;
    if (!wait) return;
    await write;
    // Everything in the cache but the held-back documents is written: the oldest may go (loaded back if needed).
    run.cache.trim(this.limits.cacheSize, (slot) => slot.dirty);
  }
}

/** Drops the stale entries of the run's `order`. */
function compact(run: Run): void {
  const order: RebuildSlot[] = [];
  const orderSeq: number[] = [];
  for (const slot of dirtySlots(run)) {
    order.push(slot);
    orderSeq.push(slot.seq);
  }
  run.order = order;
  run.orderSeq = orderSeq;
}
