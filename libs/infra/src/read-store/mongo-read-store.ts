import {
  AnyBulkWriteOperation,
  BSON,
  Collection,
  Db,
  Document,
  Filter,
  MongoBulkWriteError,
  MongoClient,
  MongoInvalidArgumentError,
  Sort,
} from 'mongodb';
import { AdapterHealth } from '@ledger/events';
import {
  DocumentChange,
  DocumentRef,
  documentKey,
  ReadModelDocument,
  ReadPage,
  ReadQuery,
  ReadStore,
} from '@ledger/projections';
import {
  checkLimit,
  checkName,
  checkPath,
  conditions,
  decodeCursor,
  encodeCursor,
  namespaced,
  positionNumber,
  sortOf,
  SortValue,
  valueAt,
} from './read-query';

export interface MongoReadStoreOptions {
  /** `mongodb://host:port/db?...`; the path names the database (`ledger` when absent). */
  readonly url: string;
  /** Prefix of every collection name (`<namespace>__<collection>`), for replays beside the live models. */
  readonly namespace?: string;
  /**
   * Updates and deletes per command. FerretDB v1 holds one pooled SQLite connection per statement
   * of an update or delete command until the command ends, and has 100: a bigger command waits forever.
   */
  readonly writeChunk?: number;
  /** Documents per insert command (default 1,000). */
  readonly insertChunk?: number;
  /**
   * Insert commands in flight at once, over all commits of this store (default 4). FerretDB decodes
   * and converts a command's documents (most of its cost) on the command's own core, and only its
   * SQLite insert holds the database's write lock, so commands in flight keep both cores busy.
   */
  readonly insertConcurrency?: number;
}

interface CheckpointDocument {
  _id: string;
  position: number;
}

const LOAD_CHUNK = 1000;
const DUPLICATE_KEY = 11000;
const BSON_OBJECT_TOO_LARGE = 10334;
/** Bounds the memory spent remembering which documents are known not to exist. */
const MAX_TRACKED = 1_000_000;

/**
 * Read models in MongoDB (or FerretDB v1, which CI runs): one collection per read-model collection,
 * documents stored as they are (money as decimal strings, positions and counts as JS numbers, never
 * Decimal128), checkpoints in `checkpoints`.
 *
 * A commit writes one collection after another, then the checkpoint: no transactions (FerretDB v1
 * has none). Within a collection, documents are inserted by several commands at once (see
 * `insertConcurrency`); the rest go in ordered bulk writes. A crash between them leaves documents ahead of the checkpoint; the projector skips
 * redelivered events by each document's `lastPosition`, so nothing counts twice. No `$inc` either:
 * the projector computes whole documents and is the only writer of its projection's collections.
 *
 * Documents this store knows are absent (a `load` missed them, or their collection was reset by this
 * store and never given them since) are inserted rather than upserted: on FerretDB an insert costs
 * a fraction of an upsert, which looks the document up first. If the guess was wrong, the insert fails
 * with a duplicate key and that document is replaced instead, so the guess only ever costs time.
 * On FerretDB v1 (SQLite) the gap is wide: no lookup by `_id` uses its index, so every replace,
 * delete and load reads the whole collection, while an insert costs the same at any size.
 */
export class MongoReadStore implements ReadStore {
  private readonly client: MongoClient;
  private readonly db: Db;
  private readonly namespace?: string;
  private readonly writeChunk: number;
  private readonly insertChunk: number;
  private readonly inserts: Limiter;
  private readonly indexed = new Set<string>();
  /** Full collection names mapped to the ids written since this store reset them. */
  private readonly resetHere = new Map<string, Set<string>>();
  /** `collection/id` (full collection name) of documents a load found missing. */
  private readonly missing = new Set<string>();
  private tracked = 0;

  /** What it was opened with: a helper thread of a parallel rebuild opens its own connection alike. */
  constructor(readonly options: MongoReadStoreOptions) {
    if (options.namespace !== undefined) checkName('namespace', options.namespace);
    this.namespace = options.namespace;
    this.writeChunk = options.writeChunk ?? 50;
    this.insertChunk = options.insertChunk ?? 1000;
    this.inserts = new Limiter(options.insertConcurrency ?? 4);
    this.client = new MongoClient(options.url, { ignoreUndefined: true });
    this.db = this.client.db(databaseName(options.url));
  }

  async load(refs: readonly DocumentRef[]): Promise<Map<string, ReadModelDocument>> {
    const found = new Map<string, ReadModelDocument>();
    const byCollection = groupBy(refs, (ref) => ref.collection);
    for (const [collection, group] of byCollection) {
      const name = this.collection(collection);
      const ids = [...new Set(group.map((ref) => ref.id))];
      for (let i = 0; i < ids.length; i += LOAD_CHUNK) {
        const chunk = ids.slice(i, i + LOAD_CHUNK);
        const docs = await this.db
          .collection<ReadModelDocument>(name)
          .find({ _id: { $in: chunk } } as Filter<ReadModelDocument>)
          .toArray();
        const seen = new Set<string>();
        for (const doc of docs) {
          seen.add(doc._id);
          found.set(documentKey({ collection, id: doc._id }), doc);
        }
        for (const id of chunk) if (!seen.has(id)) this.track(() => this.missing.add(`${name}/${id}`));
      }
    }
    return found;
  }

  async commit(
    changes: readonly DocumentChange[],
    checkpoint: { readonly projection: string; readonly position: bigint },
  ): Promise<void> {
    const position = positionNumber(checkpoint.position);
    // The last change of a document wins, as it would in order.
    const latest = new Map<string, DocumentChange>();
    for (const change of changes) latest.set(documentKey(change.ref), change);
    try {
      for (const [collection, group] of groupBy([...latest.values()], (c) => c.ref.collection)) {
        await this.writeCollection(this.collection(collection), group);
      }
    } catch (error) {
      // What was written is unknown now: forget every guess about absent documents.
      this.forgetGuesses();
      throw error;
    }
    await this.db
      .collection<CheckpointDocument>(this.checkpointCollection())
      .updateOne({ _id: checkpoint.projection }, { $set: { position } }, { upsert: true });
  }

  private async writeCollection(name: string, changes: DocumentChange[]): Promise<void> {
    const collection = this.db.collection<ReadModelDocument>(name);
    const fresh = this.resetHere.get(name);
    const inserts: ReadModelDocument[] = [];
    const others: DocumentChange[] = [];
    for (const change of changes) {
      const { ref, document } = change;
      if (document !== null && document._id !== ref.id)
        throw new Error(`document _id ${document._id} does not match its ref ${documentKey(ref)}`);
      const key = `${name}/${ref.id}`;
      const absent =
        change.created === true || this.missing.has(key) || (fresh !== undefined && !fresh.has(ref.id));
      if (document === null && absent) continue;
      if (document !== null && absent) inserts.push(document);
      else others.push(change);
    }

    for (const document of await this.insertAll(collection, inserts))
      others.push({ ref: { collection: name, id: document._id }, document });

    for (let i = 0; i < others.length; i += this.writeChunk) {
      const ops: AnyBulkWriteOperation<ReadModelDocument>[] = others
        .slice(i, i + this.writeChunk)
        .map(({ ref, document }) =>
          document === null
            ? { deleteOne: { filter: { _id: ref.id } as Filter<ReadModelDocument> } }
            : {
                replaceOne: {
                  filter: { _id: ref.id } as Filter<ReadModelDocument>,
                  replacement: document,
                  upsert: true,
                },
              },
        );
      await collection.bulkWrite(ops, { ordered: true });
    }

    for (const { ref, document } of changes) {
      const key = `${name}/${ref.id}`;
      if (document === null) {
        fresh?.delete(ref.id);
        this.track(() => this.missing.add(key));
      } else {
        this.missing.delete(key);
        if (fresh) this.track(() => fresh.add(ref.id));
      }
    }
  }

  /**
   * Inserts documents believed new, in commands of `insertChunk` run through the store's limiter,
   * and returns those that existed after all (duplicate key). Every command has ended when it returns
   * or throws; none starts after one failed.
   */
  private async insertAll(
    collection: Collection<ReadModelDocument>,
    documents: ReadModelDocument[],
  ): Promise<ReadModelDocument[]> {
    let failed = false;
    const commands: Promise<ReadModelDocument[]>[] = [];
    for (let i = 0; i < documents.length; i += this.insertChunk) {
      const chunk = documents.slice(i, i + this.insertChunk);
      commands.push(
        this.inserts.run(async () => {
          if (failed) return [];
          return this.insertCommand(collection, chunk).catch((error: unknown) => {
            failed = true;
            throw error;
          });
        }),
      );
    }
    const duplicates: ReadModelDocument[] = [];
    for (const result of await Promise.allSettled(commands)) {
      if (result.status === 'rejected') throw result.reason;
      duplicates.push(...result.value);
    }
    return duplicates;
  }

  /**
   * One `insert` command of documents believed new; answers those that existed (duplicate key). Sent
   * as a plain command: the driver's bulk write weighs every document first to split the batch by
   * size, which doubled the projector's CPU per inserted document. A command the server or the driver
   * refuses as too large for one message is sent again through the bulk write, which splits
   * it; a document inserted meanwhile then counts as a duplicate and is replaced by itself.
   */
  private async insertCommand(
    collection: Collection<ReadModelDocument>,
    documents: ReadModelDocument[],
  ): Promise<ReadModelDocument[]> {
    let reply: Document;
    try {
      reply = await this.db.command(
        { insert: collection.collectionName, documents, ordered: false },
        { ignoreUndefined: true },
      );
    } catch (error) {
      if (!tooLarge(error)) throw error;
      return insertNew(
        collection.bulkWrite(
          documents.map((document) => ({ insertOne: { document } })),
          { ordered: false },
        ),
        documents,
      );
    }
    if (reply.writeConcernError) throw new Error(`insert: ${JSON.stringify(reply.writeConcernError)}`);
    const errors = (reply.writeErrors ?? []) as Array<{ index: number; code: number; errmsg?: string }>;
    const other = errors.find((e) => e.code !== DUPLICATE_KEY);
    if (other !== undefined)
      throw new Error(`insert into ${collection.collectionName}: ${other.errmsg ?? other.code}`);
    return errors.map((e) => documents[e.index]);
  }

  async checkpoint(projection: string): Promise<bigint | null> {
    const doc = await this.db
      .collection<CheckpointDocument>(this.checkpointCollection())
      .findOne({ _id: projection });
    return doc ? BigInt(doc.position) : null;
  }

  async get(collection: string, id: string): Promise<ReadModelDocument | undefined> {
    const doc = await this.db
      .collection<ReadModelDocument>(this.collection(collection))
      .findOne({ _id: id } as Filter<ReadModelDocument>);
    return doc ?? undefined;
  }

  async find(collection: string, query: ReadQuery): Promise<ReadPage> {
    const limit = checkLimit(query.limit);
    const sort = sortOf(query);
    const where = conditions(query.where);
    const cursor = query.after === undefined ? undefined : decodeCursor(query.after, sort.field);
    if (sort.field !== '_id') await this.ensureIndexes(collection, [sort.field]);

    const and: Document[] = [];
    for (const { field, op, value } of where) {
      if (op === 'prefix') and.push({ [field]: { $regex: `^${escapeRegex(value as string)}` } });
      else and.push({ [field]: { [`$${op}`]: value } });
    }
    if (cursor) and.push(keyset(sort.field, sort.direction, cursor.value, cursor.id));
    const dir = sort.direction === 'asc' ? 1 : -1;
    const order: Sort = sort.field === '_id' ? { _id: dir } : { [sort.field]: dir, _id: dir };
    const docs = await this.db
      .collection<ReadModelDocument>(this.collection(collection))
      .find((and.length ? { $and: and } : {}) as Filter<ReadModelDocument>)
      .sort(order)
      .limit(limit + 1)
      .toArray();
    const items = docs.slice(0, limit);
    if (docs.length <= limit) return { items };
    const last = items[items.length - 1];
    return {
      items,
      next: encodeCursor({ field: sort.field, value: valueAt(last, sort.field), id: last._id }),
    };
  }

  /** Creates (idempotently) `{ field: 1, _id: 1 }` indexes, which serve sorting and paging both ways. */
  async ensureIndexes(collection: string, fields: readonly string[]): Promise<void> {
    const name = this.collection(collection);
    for (const field of fields) {
      const key = `${name}/${checkPath(field)}`;
      if (field === '_id' || this.indexed.has(key)) continue;
      await this.db.collection(name).createIndex({ [field]: 1, _id: 1 });
      this.indexed.add(key);
    }
  }

  async reset(projection: string, collections: readonly string[]): Promise<void> {
    for (const collection of collections) {
      const name = this.collection(collection);
      try {
        await this.db.collection(name).drop();
      } catch (error) {
        if ((error as { code?: number }).code !== 26) throw error; // NamespaceNotFound: nothing to drop
      }
      for (const key of [...this.indexed]) if (key.startsWith(`${name}/`)) this.indexed.delete(key);
      this.resetHere.set(name, new Set());
    }
    for (const key of [...this.missing])
      if (collections.some((c) => key.startsWith(`${this.collection(c)}/`))) this.missing.delete(key);
    await this.db.collection<CheckpointDocument>(this.checkpointCollection()).deleteOne({ _id: projection });
  }

  async health(): Promise<AdapterHealth> {
    try {
      await this.db.command({ ping: 1 });
      return { status: 'up', adapter: 'mongodb', detail: this.db.databaseName };
    } catch (error) {
      return { status: 'down', adapter: 'mongodb', detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private collection(name: string): string {
    return namespaced(this.namespace, checkName('collection', name));
  }

  private checkpointCollection(): string {
    return namespaced(this.namespace, 'checkpoints');
  }

  private track(remember: () => void): void {
    if (this.tracked >= MAX_TRACKED) this.forgetGuesses();
    this.tracked += 1;
    remember();
  }

  private forgetGuesses(): void {
    this.missing.clear();
    this.resetHere.clear();
    this.tracked = 0;
  }
}

/** Runs at most `max` tasks at once; the others wait their turn, in order. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`concurrency must be a positive integer: ${max}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // A waiting task takes over this slot; otherwise it is free.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

/** Inserts documents believed new; returns those that existed after all (duplicate key). */
/**
 * A command too large for one message: the driver's BSON buffer overflows (RangeError) or it refuses
 * the size, or the server does (BSONObjectTooLarge). Anything else (network, auth) is not retried here.
 */
function tooLarge(error: unknown): boolean {
  // By name: Node's ERR_OUT_OF_RANGE is a RangeError of Node's own realm, not always this one's.
  if ((error as Error)?.name === 'RangeError' || error instanceof BSON.BSONError) return true;
  if (error instanceof MongoInvalidArgumentError) return /size|large/i.test(error.message);
  return (error as { code?: number }).code === BSON_OBJECT_TOO_LARGE;
}

async function insertNew(
  write: Promise<unknown>,
  documents: ReadModelDocument[],
): Promise<ReadModelDocument[]> {
  try {
    await write;
    return [];
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (errors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
    return errors.map((e) => documents[e.index]);
  }
}

/**
 * Documents after (value, id) in sort order. Mongo compares only values of one type and sorts an
 * absent field (null) first, so absent values come first ascending and last descending.
 */
function keyset(field: string, direction: 'asc' | 'desc', value: SortValue, id: string): Document {
  const after = direction === 'asc' ? '$gt' : '$lt';
  if (field === '_id') return { _id: { [after]: id } };
  if (value === null)
    return direction === 'asc'
      ? { $or: [{ [field]: null, _id: { $gt: id } }, { [field]: { $ne: null } }] }
      : { [field]: null, _id: { $lt: id } };
  const or: Document[] = [{ [field]: { [after]: value } }, { [field]: value, _id: { [after]: id } }];
  if (direction === 'desc') or.push({ [field]: null });
  return { $or: or };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The database named by the URL's path (`mongodb://h1,h2/ledger?x=y` → `ledger`), else `ledger`. */
export function databaseName(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]*)/.exec(url);
  const name = match ? decodeURIComponent(match[1]) : '';
  return name || 'ledger';
}
