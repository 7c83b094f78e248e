import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startModuleWorker } from '../threads/module-worker';
import { EventStore, ledgerUpcasters, RecordedEvent } from '@ledger/events';
import { ledgerProjections, Projection, ReadStore } from '@ledger/projections';
import { EmbeddedEventStore } from '../event-store/embedded-event-store';
import { EmbeddedReadStore, EmbeddedReadStoreOptions } from '../read-store/embedded-read-store';
import { MongoReadStore, MongoReadStoreOptions } from '../read-store/mongo-read-store';
import type { RebuildOptions, RebuildProgress, RebuildResult } from './rebuild';
import { RebuildLimits } from './rebuild-runs';
import type { RebuildWorkerData, RebuildWorkerMessage } from './rebuild-worker';
import { writeRelayed } from './relayed-writes';

/*
 * A parallel rebuild: the projections are shared between helper threads (one per core of the two
 * the embedded ledger aims at), each with its own connections to the log and the read store. Each
 * reads only the event types its projections handle, so the log is decoded about once in all, and
 * the caller's thread only waits. Projections are independent (own collections, own checkpoint), so
 * a share's progress never depends on another's. Both stop at the log's head as it was at the start.
 * The read store is the embedded one in a file, or MongoDB: there the threads share the projector's
 * work (decoding, projecting, BSON) and keep the server's write lock busy between them. Into the
 * embedded store, the helpers' documents are written by the caller's thread (relayed-writes.ts).
 */

/** How a helper thread opens its own connection to the rebuild's read store (plain data). */
export type ReadStoreSpec =
  | { readonly kind: 'embedded'; readonly options: EmbeddedReadStoreOptions }
  | { readonly kind: 'mongo'; readonly options: MongoReadStoreOptions };

/** Below this many events the threads' start costs more than they save. */
const PARALLEL_FROM_EVENTS = 20_000;
const HELPERS = 2;
/** Events read to weigh the projections' shares. */
const SAMPLE_EVENTS = 2000;

export interface ParallelPlan {
  readonly log: { readonly file: string; readonly upcast: boolean };
  readonly readStore: ReadStoreSpec;
  /** The embedded read store the helpers' writes go through, on this thread. */
  readonly writer?: EmbeddedReadStore;
  readonly shares: ReadonlyArray<readonly string[]>;
  /** Position of the first event of the log and of the last one to apply; null if none is. */
  readonly first: bigint | null;
  readonly last: bigint | null;
}

/** How to rebuild in parallel, or undefined to rebuild on the caller's thread. */
export async function parallelPlan(
  eventStore: EventStore,
  projections: readonly Projection[],
  store: ReadStore,
  options: RebuildOptions,
): Promise<ParallelPlan | undefined> {
  const wanted = options.parallel ?? 'auto';
  if (wanted === false) return undefined;
  const refuse = (why: string) => {
    if (wanted === true) throw new Error(`cannot rebuild in parallel: ${why}`);
    return undefined;
  };
  if (options.until !== undefined)
    return refuse('a bound by predicate (`until`) is known only to this thread');
  if (!(eventStore instanceof EmbeddedEventStore)) return refuse('the event store is not the embedded log');
  const readStore = readStoreSpec(store);
  if (typeof readStore === 'string') return refuse(readStore);
  const log = embeddedLog(eventStore);
  if (log === undefined)
    return refuse('the log is in memory, or read with upcasters other than the ledger’s');
  const foreign = projections.find((p) => !ledgerProjections.includes(p));
  if (foreign !== undefined) return refuse(`projection ${foreign.name} is not one of the ledger's`);
  const head = await eventStore.headPosition();
  const bound = options.toPosition !== undefined && options.toPosition < head ? options.toPosition : head;
  const [firstEvent] = eventStore.page(-1, 1).events;
  const first = firstEvent?.position ?? null;
  if (wanted === 'auto' && (first === null || bound - first + 1n < BigInt(PARALLEL_FROM_EVENTS)))
    return undefined;
  const shares = options.shares ?? defaultShares(projections, eventStore.page(-1, SAMPLE_EVENTS).events);
  const named = shares.flat();
  if (named.length !== projections.length || !projections.every((p) => named.includes(p.name)))
    return refuse('the shares must name every projection once');
  return {
    log,
    readStore,
    ...(store instanceof EmbeddedReadStore ? { writer: store } : {}),
    shares: shares.filter((share) => share.length > 0),
    first,
    last: first === null || bound < first ? null : bound,
  };
}

/**
 * Runs the plan's shares on helper threads and waits for all of them. Progress is the position every
 * share has read up to. The embedded log's positions are consecutive (row ids, never deleted), so the
 * events up to a position are counted from the first one.
 */
export async function rebuildInParallel(
  plan: ParallelPlan,
  run: {
    readonly batchSize: number;
    readonly limits: RebuildLimits;
    readonly started: number;
    readonly onProgress?: (progress: RebuildProgress) => void;
  },
): Promise<RebuildResult> {
  const reached = plan.shares.map(() => -1n);
  let position: bigint | null = null;
  const progress = (): RebuildProgress => {
    const elapsedMs = performance.now() - run.started;
    const events = position === null || plan.first === null ? 0 : Number(position - plan.first + 1n);
    return { events, position, elapsedMs, eventsPerSecond: elapsedMs > 0 ? (events * 1000) / elapsedMs : 0 };
  };
  const helpers = plan.shares.map((share, i) =>
    startHelper(
      {
        eventLog: plan.log.file,
        upcast: plan.log.upcast,
        readStore: plan.readStore,
        relayWrites: plan.writer !== undefined,
        projections: share,
        last: plan.last === null ? null : plan.last.toString(),
        batchSize: run.batchSize,
        limits: run.limits,
      },
      (at) => {
        reached[i] = at;
        const all = reached.reduce((min, r) => (r < min ? r : min));
        if (plan.first === null || all < plan.first || (position !== null && all <= position)) return;
        position = all;
        run.onProgress?.(progress());
      },
      plan.writer,
    ),
  );
  try {
    const results = await Promise.all(helpers.map((h) => h.done));
    position = plan.last;
    const applied: Record<string, number> = {};
    const written: Record<string, number> = {};
    for (const result of results) {
      Object.assign(applied, result.applied);
      Object.assign(written, result.written);
    }
    return { ...progress(), applied, written, threads: helpers.length };
  } finally {
    await Promise.all(helpers.map((h) => h.stop()));
  }
}

/**
 * Shares of about equal work: a projection costs about as much as the events it handles, counted in
 * a sample from the start of the log. Heaviest first, each to the lighter share.
 */
function defaultShares(projections: readonly Projection[], sample: readonly RecordedEvent[]): string[][] {
  const counts = new Map<string, number>();
  for (const event of sample) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  const weight = new Map(
    projections.map((p) => [p, 1 + p.handles.reduce((sum, type) => sum + (counts.get(type) ?? 0), 0)]),
  );
  const shares = Array.from({ length: Math.min(HELPERS, projections.length) }, () => ({
    names: [] as string[],
    weight: 0,
  }));
  for (const p of [...projections].sort((a, b) => weight.get(b)! - weight.get(a)!)) {
    const lightest = shares.reduce((min, s) => (s.weight < min.weight ? s : min));
    lightest.names.push(p.name);
    lightest.weight += weight.get(p)!;
  }
  return shares.map((s) => s.names);
}

/** How another thread opens its own connection to the store, or why it cannot. */
export function readStoreSpec(store: ReadStore): ReadStoreSpec | string {
  if (store instanceof MongoReadStore) return { kind: 'mongo', options: store.options };
  if (!(store instanceof EmbeddedReadStore)) return 'the read store is neither the embedded one nor MongoDB';
  if (store.file === ':memory:' || store.file === '')
    return 'an in-memory read store is private to its connection';
  return {
    kind: 'embedded',
    options: {
      file: store.file,
      ...(store.namespace !== undefined ? { namespace: store.namespace } : {}),
      // The other thread's writes hold the lock for up to a flush's worth of documents.
      busyTimeoutMs: 120_000,
    },
  };
}

/**
 * The log's file, and whether it is read through the ledger's upcasters: what another thread's
 * connection needs to read it alike; undefined when it cannot (in memory, other upcasters).
 */
export function embeddedLog(eventStore: EmbeddedEventStore): { file: string; upcast: boolean } | undefined {
  const { file, upcasters } = eventStore;
  if (file === ':memory:' || file === '') return undefined;
  if (upcasters !== undefined && upcasters !== ledgerUpcasters) return undefined;
  return { file, upcast: upcasters !== undefined };
}

interface Helper {
  readonly done: Promise<{ applied: Record<string, number>; written: Record<string, number> }>;
  stop(): Promise<void>;
}

function startHelper(
  data: RebuildWorkerData,
  onProgress: (position: bigint) => void,
  writer?: EmbeddedReadStore,
): Helper {
  const worker = startModuleWorker(join(__dirname, 'rebuild-worker'), data, {
    // Room for a batch's events and their garbage, so they die young rather than being promoted.
    resourceLimits: { maxYoungGenerationSizeMb: 96 },
  });
  const write = writer && writeRelayed(writer, (answer) => worker.postMessage(answer));
  const done = new Promise<{ applied: Record<string, number>; written: Record<string, number> }>(
    (resolve, reject) => {
      worker.on('message', (message: RebuildWorkerMessage) => {
        if (message.kind === 'write') {
          if (write === undefined) reject(new Error('a helper sent documents to a rebuild with no writer'));
          else write(message);
        } else if (message.kind === 'progress') onProgress(BigInt(message.position));
        else if (message.kind === 'done') resolve({ applied: message.applied, written: message.written });
        else reject(new Error(`rebuild of ${data.projections.join(', ')} failed: ${message.message}`));
      });
      worker.on('error', reject);
      worker.on('exit', (code) =>
        reject(new Error(`rebuild thread of ${data.projections.join(', ')} exited (${code})`)),
      );
    },
  );
  done.catch(() => undefined);
  return {
    done,
    // After `done` the thread has closed its connections; after a failure elsewhere it is cut short.
    stop: async () => {
      await worker.terminate();
    },
  };
}
