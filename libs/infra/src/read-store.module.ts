import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@ledger/projections';
import { HealthRegistry } from './health/health';
import { PlatformModule } from './platform.module';
import { createReadStore } from './read-store';

/**
 * The read models' store: MongoDB when MONGO_URL is set, else the embedded one under the data dir. One per
 * process: the projector writes read models into it, the bank connector keeps its own state there.
 */
@Global()
@Module({
  imports: [PlatformModule],
  providers: [{ provide: READ_STORE, useFactory: (): ReadStore => createReadStore(process.env) }],
  exports: [READ_STORE],
})
export class ReadStoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    health: HealthRegistry,
  ) {
    health.register('readStore', () => store.health());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
