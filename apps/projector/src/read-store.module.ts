import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@ledger/projections';
import { createReadStore, HealthRegistry } from '@ledger/infra';

/** The read models' store: MongoDB when MONGO_URL is set, else the embedded one under the data dir. */
@Global()
@Module({
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
