import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AllSubscription, EVENT_STORE, EventStore } from '@ledger/events';
import { HealthRegistry } from '@ledger/infra';

/**
 * Follows the global log. Until the read models land it only tracks how far it has read, which is
 * what its health check reports.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectorService.name);
  private subscription?: AllSubscription;
  private running?: Promise<void>;
  private position = -1n;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    health: HealthRegistry,
  ) {
    health.register('projector', async () => ({
      status: 'up',
      adapter: 'subscription',
      detail: `position ${this.position}`,
    }));
  }

  onApplicationBootstrap(): void {
    this.subscription = this.store.subscribeToAll({ fromPosition: 'start' });
    this.running = (async () => {
      for await (const event of this.subscription!) this.position = event.position;
    })().catch((error: Error) => this.logger.error(error));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    await this.running;
  }
}
