import { performance } from 'node:perf_hooks';
import { AllSubscription, EventStore, RecordedEvent } from '@ledger/events';
import { Projection, ReadStore } from '@ledger/projections';
import { PositionWaiters } from './position-waiters';
import { DocumentCache, projectBatch } from './project-batch';

export interface ProjectionRunnerOptions {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly projections: readonly Projection[];
  /** Most events applied per commit (default 2,000). */
  readonly batchSize?: number;
  /** Once a batch has an event, how long it waits for more before it is applied (default 5 ms). */
  readonly batchWaitMs?: number;
  /** How often a projection that only sees events it ignores still stores its checkpoint (default 1 s). */
  readonly checkpointIntervalMs?: number;
  /** Pause before resubscribing after a failure (default 1 s, doubling up to 30 s). */
  readonly retryDelayMs?: number;
  /** Documents each projection keeps in memory between batches (default 10,000). */
  readonly cacheSize?: number;
  readonly onBatch?: (report: BatchReport) => void;
  readonly onError?: (projection: string, error: unknown) => void;
}

export interface BatchReport {
  readonly projection: string;
  readonly position: bigint;
  readonly events: number;
  readonly applied: number;
  readonly changes: number;
  readonly durationMs: number;
}

export interface ProjectionStats {
  readonly name: string;
  /** Every event up to here is applied and committed (events it ignores need no commit). */
  readonly position: bigint | null;
  readonly eventsSeen: number;
  readonly eventsApplied: number;
  readonly batches: number;
  readonly lastBatchMs: number;
  readonly lastBatchEvents: number;
  readonly failures: number;
  readonly lastError?: string;
  /** True from a failure until a batch is applied again (the projection is being retried). */
  readonly failing: boolean;
}

const TIMEOUT = Symbol('timeout');

/**
 * Runs projections against the log: one subscription per projection, from its checkpoint, so a
 * failing projection holds back only itself. Events are gathered into batches; a batch loads the
 * documents it touches once, applies its events in memory and commits documents and checkpoint
 * together. Delivery is at least once; documents skip events at or below their `lastPosition`.
 *
 * Subscriptions are unfiltered on purpose: a projection sees the events it ignores too, so its
 * position reaches the head of the log and `waitFor(position)` answers for every position.
 */
export class ProjectionRunner {
  private readonly loops: ProjectionLoop[];
  private readonly waiters = new PositionWaiters<null>((_, position) => this.reached(position));
  private started = false;

  constructor(private readonly options: ProjectionRunnerOptions) {
    const names = new Set<string>();
    for (const p of options.projections) {
      if (names.has(p.name)) throw new Error(`two projections are named ${p.name}`);
      names.add(p.name);
    }
    this.loops = options.projections.map((p) => new ProjectionLoop(p, options, () => this.notify()));
  }

  /** Reads every checkpoint and starts following the log; resolves once all have their position. */
  async start(): Promise<void> {
    if (this.started) throw new Error('projection runner already started');
    this.started = true;
    await Promise.all(this.loops.map((loop) => loop.start()));
  }

  /** Stops taking events, lets the batch in flight commit, stores the last checkpoints. */
  async stop(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
    this.waiters.settleAll();
  }

  position(projection: string): bigint | null {
    const loop = this.loops.find((l) => l.projection.name === projection);
    if (!loop) throw new Error(`no projection named ${projection}`);
    return loop.position;
  }

  /**
   * Resolves true once every projection has applied the log up to `position` (read-your-writes: pass
   * the position an append returned), false if that takes longer than `timeoutMs`.
   */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(null, position, timeoutMs);
  }

  stats(): ProjectionStats[] {
    return this.loops.map((loop) => loop.stats());
  }

  /** Events in the log that each projection has yet to apply. */
  async lag(): Promise<Record<string, bigint>> {
    const head = await this.options.eventStore.headPosition();
    const lag: Record<string, bigint> = {};
    for (const loop of this.loops) {
      const behind = head - (loop.position ?? 0n);
      lag[loop.projection.name] = behind > 0n ? behind : 0n;
    }
    return lag;
  }

  private reached(position: bigint): boolean {
    return this.loops.every((loop) => loop.position !== null && loop.position >= position);
  }

  private notify(): void {
    this.waiters.notify();
  }
}

class ProjectionLoop {
  position: bigint | null = null;
  private committed: bigint | null = null;
  private lastCommitAt = 0;
  private readonly handles: ReadonlySet<string>;
  private readonly cache: DocumentCache;
  private subscription?: AllSubscription;
  private stopping = false;
  private running?: Promise<void>;
  private wakeRetry?: () => void;
  private counters = {
    eventsSeen: 0,
    eventsApplied: 0,
    batches: 0,
    lastBatchMs: 0,
    lastBatchEvents: 0,
    failures: 0,
  };
  private lastError?: string;
  private failing = false;

  constructor(
    readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions,
    private readonly advanced: () => void,
  ) {
    this.handles = new Set(projection.handles);
    this.cache = new DocumentCache(options.cacheSize ?? 10_000, false);
  }

  async start(): Promise<void> {
    let ready!: () => void;
    let failed!: (error: unknown) => void;
    const started = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    this.running = this.run(ready, failed);
    await started;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
    this.wakeRetry?.();
    await this.running;
  }

  stats(): ProjectionStats {
    return {
      name: this.projection.name,
      position: this.position,
      ...this.counters,
      lastError: this.lastError,
      failing: this.failing,
    };
  }

  private async run(ready: () => void, failed: (error: unknown) => void): Promise<void> {
    const { readStore, eventStore } = this.options;
    let delay = this.options.retryDelayMs ?? 1000;
    let first = true;
    while (!this.stopping) {
      try {
        const checkpoint = await readStore.checkpoint(this.projection.name);
        // A checkpoint past the log's end means read models of another log (a new event store beside
        // an old read store): following from it would skip every event up to it without a word.
        const head = checkpoint === null ? null : await eventStore.headPosition();
        if (checkpoint !== null && head !== null && checkpoint > head) {
          throw new Error(
            `projection ${this.projection.name}: its checkpoint ${checkpoint} is past the log's last position ` +
              `${head}; the read store holds read models of another log (rebuild them from this log, or ` +
              'point the projector at theirs)',
          );
        }
        this.committed = checkpoint;
        this.position = checkpoint;
        this.lastCommitAt = performance.now();
        if (first) ready();
        first = false;
        this.subscription = eventStore.subscribeToAll({ fromPosition: checkpoint ?? 'start' });
        // A stop that came while the checkpoint was read must not leave this subscription open.
        if (this.stopping) await this.subscription.close();
        await this.consume(this.subscription);
        delay = this.options.retryDelayMs ?? 1000;
      } catch (error) {
        if (first) return failed(error);
        this.counters.failures += 1;
        this.lastError = (error as Error).message;
        this.failing = true;
        this.options.onError?.(this.projection.name, error);
        // The cache may hold documents whose commit failed.
        this.cache.clear();
        await this.subscription?.close();
        if (this.stopping) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        delay = Math.min(delay * 2, 30_000);
      }
    }
    await this.flushCheckpoint().catch((error) => this.options.onError?.(this.projection.name, error));
  }

  private async consume(subscription: AllSubscription): Promise<void> {
    const batchSize = this.options.batchSize ?? 2000;
    const waitMs = this.options.batchWaitMs ?? 5;
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    const pull = () => (pending ??= iterator.next());
    for (;;) {
      const first = await pull();
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      let ended = false;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<typeof TIMEOUT>(
        (resolve) => (timer = setTimeout(() => resolve(TIMEOUT), waitMs)),
      );
      // Racing each pull against one timer per batch: during a catch-up the events are already in
      // memory and every pull wins at once, so batches fill up; live, a batch waits at most waitMs.
      while (batch.length < batchSize) {
        const next = await Promise.race([pull(), deadline]);
        if (next === TIMEOUT) break;
        pending = undefined;
        if (next.done) {
          ended = true;
          break;
        }
        batch.push(next.value);
      }
      clearTimeout(timer);
      await this.apply(batch);
      if (ended) return;
    }
  }

  private async apply(batch: RecordedEvent[]): Promise<void> {
    const started = performance.now();
    const last = batch[batch.length - 1].position;
    this.counters.eventsSeen += batch.length;
    const { changes, applied } = await projectBatch(
      this.projection,
      this.handles,
      batch,
      this.options.readStore,
      this.cache,
    );
    if (changes.length > 0 || started - this.lastCommitAt >= (this.options.checkpointIntervalMs ?? 1000)) {
      await this.options.readStore.commit(changes, { projection: this.projection.name, position: last });
      this.committed = last;
      this.lastCommitAt = performance.now();
    }
    // Events that changed nothing need no commit to count as applied: a crash only redelivers them.
    this.position = last;
    this.counters.eventsApplied += applied;
    this.counters.batches += 1;
    this.failing = false;
    this.counters.lastBatchEvents = batch.length;
    this.counters.lastBatchMs = performance.now() - started;
    this.options.onBatch?.({
      projection: this.projection.name,
      position: last,
      events: batch.length,
      applied,
      changes: changes.length,
      durationMs: this.counters.lastBatchMs,
    });
    this.advanced();
  }

  private async flushCheckpoint(): Promise<void> {
    const position = this.position;
    if (position === null || (this.committed !== null && this.committed >= position)) return;
    await this.options.readStore.commit([], { projection: this.projection.name, position });
    this.committed = position;
  }
}
