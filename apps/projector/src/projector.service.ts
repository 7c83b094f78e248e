import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@ledger/events';
import { ledgerProjections, READ_STORE, ReadStore } from '@ledger/projections';
import { EmbeddedEventStore, EmbeddedReadStore, HealthRegistry, ProjectionRunner } from '@ledger/infra';
import { ProjectorThread, threadData } from './projector-thread/projector-thread';
import { ProjectionProgress } from './query/projection-progress';

/**
 * Runs every read-model projection against the live log (see ProjectionRunner) and tells the query
 * API how far each has got. With the embedded stores it runs them on a thread of its own (see
 * ProjectorThread; `LEDGER_PROJECTOR_THREAD=off` keeps them on the main thread); against EventStoreDB
 * and MongoDB it runs them in process, and scales by running the projector as its own process.
 */
@Injectable()
export class ProjectorService implements ProjectionProgress, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectorService.name);
  private readonly runner?: ProjectionRunner;
  private readonly thread?: ProjectorThread;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) readStore: ReadStore,
    health: HealthRegistry,
  ) {
    const onError = (projection: string, error: unknown) =>
      this.logger.error({ msg: 'projection failed; retrying', projection, error: String(error) });
    const embedded = events instanceof EmbeddedEventStore && readStore instanceof EmbeddedReadStore;
    const threadPlan = embedded ? threadData(events, readStore) : undefined;
    if (typeof threadPlan === 'string') {
      this.logger.warn({ msg: 'projections run on the main thread', reason: threadPlan });
    }
    if (embedded && typeof threadPlan !== 'string' && process.env.LEDGER_PROJECTOR_THREAD !== 'off') {
      this.thread = new ProjectorThread({
        events,
        readStore,
        onError,
        onExit: (error) => this.logger.error({ msg: 'projector thread stopped; starting it again', error }),
      });
    } else {
      this.runner = new ProjectionRunner({
        eventStore: events,
        readStore,
        projections: ledgerProjections,
        onError,
      });
    }
    // Down while the projector thread is dead (it is being started again); a projection whose batches
    // fail (being retried) is named, with its error, but is not down: the read store's check says why.
    health.register('projector', async () => {
      const head = await this.events.headPosition();
      const behind = ledgerProjections.map((p) => `${p.name} ${head - this.position(p.name)} behind`);
      const { alive, failing } = this.thread?.state() ?? { alive: true, failing: this.runnerFailures() };
      const failures = [...failing].map(([name, error]) => `${name} failing: ${error}`);
      return {
        status: alive ? 'up' : 'down',
        adapter: this.thread ? 'projector-thread' : 'projection-runner',
        detail: [
          ...(alive ? [] : ['the projector thread is not running; starting it again']),
          `head ${head}; ${behind.join(', ')}`,
          ...failures,
        ].join('; '),
      };
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await (this.thread ?? this.runner)!.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await (this.thread ?? this.runner)!.stop();
  }

  /** Projections on this thread whose last batch failed, with the error. */
  private runnerFailures(): Map<string, string> {
    const failing = new Map<string, string>();
    for (const stats of this.runner?.stats() ?? []) {
      if (stats.lastError !== undefined && stats.failing) failing.set(stats.name, stats.lastError);
    }
    return failing;
  }

  position(projection: string): bigint {
    if (this.thread) return this.thread.position(projection);
    return this.runner!.position(projection) ?? -1n;
  }

  async waitFor(projection: string, position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.thread) return this.thread.waitFor(projection, position, timeoutMs);
    if (this.position(projection) >= position) return true;
    return this.runner!.waitFor(position, timeoutMs);
  }
}
