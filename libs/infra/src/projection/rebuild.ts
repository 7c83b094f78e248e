import { performance } from 'node:perf_hooks';
import { EventStore, MetadataSelection, RecordedEvent } from '@ledger/events';
import { metadataRead, Projection, ReadStore } from '@ledger/projections';
import { EmbeddedEventStore } from '../event-store/embedded-event-store';
import { EmbeddedReadStore } from '../read-store/embedded-read-store';
import { parallelPlan, rebuildInParallel } from './rebuild-parallel';
import { COLD_BATCH, RebuildLimits, RebuildRuns } from './rebuild-runs';

export interface RebuildOptions {
  /** Last position to apply (inclusive): the read models as of that point of the log. */
  readonly toPosition?: bigint;
  /**
   * Stops before the first event for which this returns true (e.g. one that occurred after a date). It
   * sees whole events: with it, the log is read with all of its metadata, not only what the projections
   * name.
   */
  readonly until?: (event: RecordedEvent) => boolean;
  /** Events projected together (default 5,000; 1,000 on helper threads, whose young heap is sized for it). */
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
  /**
   * A flush writes the documents unchanged for this many events (default 20,000) and holds back the
   * rest, unless they are most of them (see RebuildLimits).
   */
  readonly coldAfterEvents?: number;
  /**
   * Cold documents written as soon as there are this many (see RebuildLimits): by default 5,000 on a
   * server, whose writes overlap the projecting; none on the embedded store, which writes on the
   * projecting thread itself, where bigger writes cost less.
   */
  readonly coldBatch?: number;
  /**
   * Rebuild on helper threads, each with its share of the projections (see rebuild-parallel.ts):
   * embedded log in a file, read store in a file or MongoDB, ledger projections, no `until`. `auto` (default) does when
   * the log holds at least 20,000 events; `true` insists, and fails saying why it cannot.
   */
  readonly parallel?: boolean | 'auto';
  /** The projections (by name) of each helper thread; default: two shares of about equal work. */
  readonly shares?: ReadonlyArray<readonly string[]>;
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
  /** Threads that rebuilt projections: 1 on the caller's, or the helper threads. */
  readonly threads: number;
}

/**
 * Rebuilds projections from the start of the log into `store` (a namespaced one, to build beside the
 * live read models): resets their collections and checkpoints, then reads the log and keeps the
 * documents in memory, writing the changed ones every `flushDocuments` and at the end, each write
 * with the checkpoint of the events it reflects (see RebuildRuns). A rebuild owns its fresh store
 * and starts over if interrupted. From the embedded log, helper threads rebuild shares of the
 * projections at the same time, up to the log's head as it was when the rebuild started.
 */
export async function rebuild(
  eventStore: EventStore,
  projections: readonly Projection[],
  store: ReadStore,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const batchSize = options.batchSize ?? 5000;
  const helperBatchSize = options.batchSize ?? 1000;
  const flushDocuments = options.flushDocuments ?? 50_000;
  const limits: RebuildLimits = {
    flushDocuments,
    cacheSize: Math.max(options.cacheSize ?? 200_000, flushDocuments),
    ...(options.coldAfterEvents !== undefined ? { coldAfterEvents: options.coldAfterEvents } : {}),
    coldBatch:
      options.coldBatch ?? (store instanceof EmbeddedReadStore ? Number.POSITIVE_INFINITY : COLD_BATCH),
  };
  const started = performance.now();
  const plan = await parallelPlan(eventStore, projections, store, options);
  // Each helper resets its projections through its own connection: a store remembers what it reset
  // (MongoDB: collections believed empty), which would be wrong in a connection that did not write.
  if (plan !== undefined)
    return rebuildInParallel(plan, {
      batchSize: helperBatchSize,
      limits,
      started,
      onProgress: options.onProgress,
    });

  for (const p of projections) await store.reset(p.name, p.collections);
  const runs = new RebuildRuns(projections, store, limits);
  let events = 0;
  let position: bigint | null = null;
  const progress = (): RebuildProgress => {
    const elapsedMs = performance.now() - started;
    return { events, position, elapsedMs, eventsPerSecond: elapsedMs > 0 ? (events * 1000) / elapsedMs : 0 };
  };
  const project = async (batch: RecordedEvent[]) => {
    const last = batch[batch.length - 1].position;
    await runs.project(batch, last);
    events += batch.length;
    position = last;
    options.onProgress?.(progress());
  };

  let batch: RecordedEvent[] = [];
  let bounded = false;
  // `until` may read any of an event's metadata (its time, usually): the events it sees are whole.
  const metadata = options.until === undefined ? metadataRead(projections) : undefined;
  for await (const page of pages(eventStore, batchSize, metadata)) {
    for (const event of page) {
      if (
        (options.toPosition !== undefined && event.position > options.toPosition) ||
        options.until?.(event)
      ) {
        bounded = true;
        break;
      }
      batch.push(event);
    }
    if (batch.length >= batchSize || (bounded && batch.length > 0)) {
      await project(batch);
      batch = [];
    }
    if (bounded) break;
  }
  if (batch.length > 0) await project(batch);
  await runs.finish(position);
  return { ...progress(), applied: runs.applied(), written: runs.written(), threads: 1 };
}

/**
 * The log in pages of about `size` events. The embedded log is read page by page straight from the
 * store (an async iterator step per event costs more than projecting some of them), with only the
 * `metadata` fields given.
 */
async function* pages(
  eventStore: EventStore,
  size: number,
  metadata?: MetadataSelection,
): AsyncGenerator<RecordedEvent[]> {
  if (eventStore instanceof EmbeddedEventStore) {
    const filter = metadata === undefined ? undefined : { metadata };
    for (const page of eventStore.pages(-1, size, filter)) if (page.events.length > 0) yield page.events;
    return;
  }
  let page: RecordedEvent[] = [];
  for await (const event of eventStore.readAll({ fromPosition: 'start' })) {
    page.push(event);
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}
