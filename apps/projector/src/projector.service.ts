import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@ledger/events';
import { ledgerProjections, READ_STORE, ReadStore } from '@ledger/projections';
import { HealthRegistry, ProjectionRunner } from '@ledger/infra';
import { ProjectionProgress } from './query/projection-progress';

/**
 * Runs every read-model projection against the live log (see ProjectionRunner) and tells the query
 * API how far each has got.
 */
@Injectable()
export class ProjectorService implements ProjectionProgress, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectorService.name);
  private readonly runner: ProjectionRunner;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) readStore: ReadStore,
    health: HealthRegistry,
  ) {
    this.runner = new ProjectionRunner({
      eventStore: events,
      readStore,
      projections: ledgerProjections,
      onError: (projection, error) =>
        this.logger.error({ msg: 'projection failed; retrying', projection, error: String(error) }),
    });
    health.register('projector', async () => {
      const head = await this.events.headPosition();
      const behind = this.runner.stats().map((s) => `${s.name} ${head - (s.position ?? -1n)} behind`);
      return { status: 'up', adapter: 'projection-runner', detail: `head ${head}; ${behind.join(', ')}` };
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  position(projection: string): bigint {
    return this.runner.position(projection) ?? -1n;
  }

  async waitFor(projection: string, position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.position(projection) >= position) return true;
    return this.runner.waitFor(position, timeoutMs);
  }
}
