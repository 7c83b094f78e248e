import { join } from 'node:path';
import { ReadModelDocument, ReadQuery, ReadStore } from '@ledger/projections';
import { dataDir } from '../event-store/create-event-store';
import { EmbeddedReadStore } from './embedded-read-store';
import { MongoReadStore } from './mongo-read-store';

export interface CreateReadStoreOptions {
  /** Builds into `<namespace>__<collection>` beside the live read models (replays, "as of" views). */
  readonly namespace?: string;
}

/** MongoDB when `MONGO_URL` is set, otherwise `read-models.sqlite` under `LEDGER_DATA_DIR`. */
export function createReadStore(
  env: NodeJS.ProcessEnv,
  options: CreateReadStoreOptions = {},
): EmbeddedReadStore | MongoReadStore {
  if (env.MONGO_URL) return new MongoReadStore({ url: env.MONGO_URL, namespace: options.namespace });
  return new EmbeddedReadStore({
    file: join(dataDir(env), 'read-models.sqlite'),
    namespace: options.namespace,
  });
}

/** Every document of a collection that matches `query`, following the cursor page by page. */
export async function findAllDocuments(
  store: ReadStore,
  collection: string,
  query: Omit<ReadQuery, 'limit' | 'after'> = {},
): Promise<ReadModelDocument[]> {
  const documents: ReadModelDocument[] = [];
  let after: string | undefined;
  do {
    const page = await store.find(collection, { ...query, limit: 1000, after });
    documents.push(...page.items);
    after = page.next;
  } while (after);
  return documents;
}
