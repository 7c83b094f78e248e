import { join } from 'node:path';
import { EventStore, Upcasters } from '@ledger/events';
import { EmbeddedEventStore } from './embedded-event-store';
import { EsdbEventStore } from './esdb-event-store';

/** EventStoreDB when `EVENTSTORE_URL` is set, otherwise the embedded SQLite log under the data dir. */
export function createEventStore(env: NodeJS.ProcessEnv, upcasters?: Upcasters): EventStore {
  if (env.EVENTSTORE_URL) return new EsdbEventStore(env.EVENTSTORE_URL, upcasters);
  return new EmbeddedEventStore({ file: join(dataDir(env), 'events.sqlite'), upcasters });
}

export function dataDir(env: NodeJS.ProcessEnv): string {
  return env.LEDGER_DATA_DIR ?? join(process.cwd(), 'data');
}
