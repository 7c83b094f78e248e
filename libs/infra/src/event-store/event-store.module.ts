import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, EventStore, ledgerUpcasters } from '@ledger/events';
import { HealthRegistry } from '../health/health';
import { PlatformModule } from '../platform.module';
import { createEventStore } from './create-event-store';

/**
 * One event store per process, shared by every app the process hosts, and the health endpoint that
 * reports it. Imported once by each app module; Nest keeps a single instance.
 */
@Global()
@Module({
  imports: [PlatformModule],
  providers: [
    { provide: EVENT_STORE, useFactory: (): EventStore => createEventStore(process.env, ledgerUpcasters) },
  ],
  exports: [EVENT_STORE],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    health: HealthRegistry,
  ) {
    health.register('eventStore', () => store.health());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
