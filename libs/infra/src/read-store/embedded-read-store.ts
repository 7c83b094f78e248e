import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
  Condition,
  conditions,
  decodeCursor,
  encodeCursor,
  namespaced,
  positionNumber,
  Scalar,
  sortOf,
  SortValue,
  valueAt,
} from './read-query';

export interface EmbeddedReadStoreOptions {
  /** Path of the SQLite file. */
  readonly file: string;
  /** Prefix of every collection and checkpoint name, so a replay can build beside the live models. */
  readonly namespace?: string;
  /** How long a statement waits for another connection's write lock (default 5,000 ms). */
  readonly busyTimeoutMs?: number;
}

/*
 * Documents live in a rowid table, found by the (collection, id) index its primary key makes. A
 * new document is appended to the table and only its short key goes into the index in key order.
 * (Files of before kept them WITHOUT ROWID, in key order themselves: every write of documents of
 * about 1 kB moved whole pages of others, twice the cost of an insert. They are moved over on open.)
 */
const DOCUMENTS_TABLE = (name: string) => `
  CREATE TABLE IF NOT EXISTS ${name} (
    collection    TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    doc           TEXT    NOT NULL,
    last_position INTEGER,
    PRIMARY KEY (collection, id)
  )`;
const SCHEMA = `
  ${DOCUMENTS_TABLE('documents')};
  CREATE TABLE IF NOT EXISTS checkpoints (
    projection TEXT PRIMARY KEY,
    position   INTEGER NOT NULL
  );
`;

type Bind = string | number | bigint | null;

/**
 * Read models in one SQLite file (WAL, `synchronous=FULL`): documents as JSON text, queried through
 * `json_extract`. A commit writes its documents and the checkpoint in one transaction, so after a
 * crash the checkpoint never lags or leads the documents.
 *
 * Calls run on the caller's thread (better-sqlite3 is synchronous): a commit blocks the event loop
 * for its fsync, about a millisecond, which the projector accepts in exchange for atomic batches.
 */
export class EmbeddedReadStore implements ReadStore {
  /** Path of the SQLite file (`:memory:` for a private in-memory store). */
  readonly file: string;
  readonly namespace?: string;
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string, string]>;
  private readonly upsertStmt: Database.Statement<[string, string, string, Bind]>;
  private readonly deleteStmt: Database.Statement<[string, string]>;
  private readonly checkpointStmt: Database.Statement<[string]>;
  private readonly saveCheckpointStmt: Database.Statement<[string, bigint]>;
  private readonly findStmts = new Map<string, Database.Statement>();
  private readonly indexed = new Set<string>();
  private readonly commitTx: (
    changes: readonly DocumentChange[],
    projection: string,
    position: bigint,
  ) => void;
  private readonly commitSerialisedTx: (
    parts: readonly SerialisedChanges[],
    projection: string,
    position: bigint,
  ) => void;

  constructor(options: EmbeddedReadStoreOptions) {
    if (options.namespace !== undefined) checkName('namespace', options.namespace);
    this.namespace = options.namespace;
    this.file = options.file;
    mkdirSync(dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    // Documents are JSON of up to a few kB: on 4 kB pages most spill into overflow pages, which
    // doubles the file and triples the cost of a write. Takes effect only on a new, empty file.
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    this.db.exec(SCHEMA);
    moveToRowidTable(this.db);
    dropSharedIndexes(this.db);
    this.getStmt = this.db
      .prepare('SELECT doc FROM documents WHERE collection = ? AND id = ?')
      .pluck() as Database.Statement<[string, string]>;
    this.upsertStmt = this.db.prepare(
      `INSERT INTO documents (collection, id, doc, last_position) VALUES (?, ?, ?, ?)
       ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc, last_position = excluded.last_position`,
    );
    this.deleteStmt = this.db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?');
    this.checkpointStmt = this.db
      .prepare('SELECT position FROM checkpoints WHERE projection = ?')
      .pluck()
      .safeIntegers(true) as Database.Statement<[string]>;
    this.saveCheckpointStmt = this.db.prepare(
      `INSERT INTO checkpoints (projection, position) VALUES (?, ?)
       ON CONFLICT (projection) DO UPDATE SET position = excluded.position`,
    );
    this.commitTx = this.db.transaction(
      (changes: readonly DocumentChange[], projection: string, position: bigint) => {
        for (const { ref, document } of changes)
          this.write(ref.collection, ref.id, document && JSON.stringify(document), document?.lastPosition);
        this.saveCheckpointStmt.run(this.checkpointName(projection), position);
      },
    );
    this.commitSerialisedTx = this.db.transaction(
      (parts: readonly SerialisedChanges[], projection: string, position: bigint) => {
        for (const part of parts) {
          let id = 0;
          let json = 0;
          for (let i = 0; i < part.collection.length; i++) {
            const lastPosition = part.lastPositions[i];
            this.write(
              part.collections[part.collection[i]],
              part.ids.slice(id, (id = part.idEnds[i])),
              json === part.jsonEnds[i] ? null : part.json.slice(json, (json = part.jsonEnds[i])),
              Number.isNaN(lastPosition) ? null : lastPosition,
            );
          }
        }
        this.saveCheckpointStmt.run(this.checkpointName(projection), position);
      },
    );
  }

  async load(refs: readonly DocumentRef[]): Promise<Map<string, ReadModelDocument>> {
    const found = new Map<string, ReadModelDocument>();
    for (const ref of refs) {
      const doc = this.getStmt.get(this.collection(ref.collection), ref.id) as string | undefined;
      if (doc !== undefined) found.set(documentKey(ref), JSON.parse(doc) as ReadModelDocument);
    }
    return found;
  }

  async commit(
    changes: readonly DocumentChange[],
    checkpoint: { readonly projection: string; readonly position: bigint },
  ): Promise<void> {
    positionNumber(checkpoint.position);
    checkIds(changes);
    // Each document is serialised right before its insert, inside the transaction (which rolls back
    // if one cannot be): its JSON dies young. Serialising them all first kept a flush's worth of JSON
    // (tens of MB) alive through several scavenges, each copying it. (A parallel rebuild's helpers
    // serialise on their own threads and commit through `commitSerialised`.)
    this.commitTx(changes, checkpoint.projection, checkpoint.position);
  }

  /**
   * `commit` of changes serialised elsewhere (`serialiseChanges`): a parallel rebuild's helper threads
   * serialise their documents and this connection, on the main thread, writes them, so that the helpers
   * never wait for each other's write lock. One transaction, as `commit`.
   */
  commitSerialised(
    parts: readonly SerialisedChanges[],
    checkpoint: { readonly projection: string; readonly position: bigint },
  ): void {
    positionNumber(checkpoint.position);
    this.commitSerialisedTx(parts, checkpoint.projection, checkpoint.position);
  }

  async checkpoint(projection: string): Promise<bigint | null> {
    const position = this.checkpointStmt.get(this.checkpointName(projection)) as bigint | undefined;
    return position ?? null;
  }

  async get(collection: string, id: string): Promise<ReadModelDocument | undefined> {
    const doc = this.getStmt.get(this.collection(collection), id) as string | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as ReadModelDocument);
  }

  async find(collection: string, query: ReadQuery): Promise<ReadPage> {
    const limit = checkLimit(query.limit);
    const sort = sortOf(query);
    const where = conditions(query.where);
    const cursor = query.after === undefined ? undefined : decodeCursor(query.after, sort.field);
    if (sort.field !== '_id') this.ensureIndexes(collection, [sort.field]);

    const params: Bind[] = [this.collection(collection)];
    const shape: string[] = [sort.field, sort.direction];
    const clauses = ['collection = ?'];
    for (const condition of where) {
      const { sql, key } = conditionSql(condition, params);
      clauses.push(sql);
      shape.push(key);
    }
    if (cursor) {
      const { sql, key } = keysetSql(sort.field, sort.direction, cursor.value, cursor.id, params);
      clauses.push(sql);
      shape.push(key);
    }
    params.push(limit + 1);
    const key = shape.join('|');
    let stmt = this.findStmts.get(key);
    if (!stmt) {
      const dir = sort.direction === 'asc' ? 'ASC' : 'DESC';
      const order = sort.field === '_id' ? `id ${dir}` : `${extract(sort.field)} ${dir}, id ${dir}`;
      stmt = this.db
        .prepare(`SELECT doc FROM documents WHERE ${clauses.join(' AND ')} ORDER BY ${order} LIMIT ?`)
        .pluck();
      this.findStmts.set(key, stmt);
    }
    const rows = stmt.all(...params) as string[];
    const items = rows.slice(0, limit).map((row) => JSON.parse(row) as ReadModelDocument);
    if (rows.length <= limit) return { items };
    const last = items[items.length - 1];
    return {
      items,
      next: encodeCursor({ field: sort.field, value: valueAt(last, sort.field), id: last._id }),
    };
  }

  /**
   * Creates (once, idempotently) the indexes that keep sorting and paging on these fields fast: one
   * per collection and field, holding only that collection's documents (a partial index), so a write
   * to another collection neither computes the field nor touches the index.
   */
  ensureIndexes(collection: string, fields: readonly string[]): void {
    const name = this.collection(collection);
    for (const field of fields) {
      const key = `${name} ${field}`;
      if (field === '_id' || this.indexed.has(key)) continue;
      checkPath(field);
      // Both names are checked (letters, digits, `_`, `-`, `.`): safe inline.
      this.db.exec(
        `CREATE INDEX IF NOT EXISTS "documents:${name}:${field}"
         ON documents (collection, ${extract(field)}, id) WHERE collection = '${name}'`,
      );
      this.indexed.add(key);
    }
  }

  async reset(projection: string, collections: readonly string[]): Promise<void> {
    const drop = this.db.prepare('DELETE FROM documents WHERE collection = ?');
    this.db.transaction(() => {
      for (const collection of collections) drop.run(this.collection(collection));
      this.db.prepare('DELETE FROM checkpoints WHERE projection = ?').run(this.checkpointName(projection));
    })();
  }

  async health(): Promise<AdapterHealth> {
    try {
      this.db.prepare('SELECT 1').get();
      return { status: 'up', adapter: 'embedded-read-store', detail: this.db.name };
    } catch (error) {
      return { status: 'down', adapter: 'embedded-read-store', detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private write(collection: string, id: string, json: string | null, lastPosition?: number | null): void {
    const name = this.collection(collection);
    if (json === null) this.deleteStmt.run(name, id);
    else this.upsertStmt.run(name, id, json, lastPosition ?? null);
  }

  private collection(name: string): string {
    return namespaced(this.namespace, checkName('collection', name));
  }

  private checkpointName(projection: string): string {
    return namespaced(this.namespace, projection);
  }
}

/**
 * Document changes as `commitSerialised` takes them, packed to cross threads: a few typed arrays and
 * two strings clone many times faster than an array per change. Change `i` is in collection
 * `collections[collection[i]]` (not namespaced), its id is `ids` from the previous change's end to
 * `idEnds[i]`, its document's JSON likewise in `json` up to `jsonEnds[i]` (empty: deleted), and
 * `lastPositions[i]` is its `lastPosition` (NaN: none).
 */
export interface SerialisedChanges {
  readonly collections: readonly string[];
  readonly collection: Uint16Array;
  readonly ids: string;
  readonly idEnds: Uint32Array;
  readonly json: string;
  readonly jsonEnds: Uint32Array;
  readonly lastPositions: Float64Array;
}

/** The changes as `commitSerialised` takes them, checked as `commit` checks them. */
export function serialiseChanges(changes: readonly DocumentChange[]): SerialisedChanges {
  checkIds(changes);
  const collections: string[] = [];
  const collection = new Uint16Array(changes.length);
  const ids: string[] = [];
  const idEnds = new Uint32Array(changes.length);
  const json: string[] = [];
  const jsonEnds = new Uint32Array(changes.length);
  const lastPositions = new Float64Array(changes.length);
  let idEnd = 0;
  let jsonEnd = 0;
  for (let i = 0; i < changes.length; i++) {
    const { ref, document } = changes[i];
    let c = collections.indexOf(ref.collection);
    if (c < 0) c = collections.push(ref.collection) - 1;
    collection[i] = c;
    ids.push(ref.id);
    idEnds[i] = idEnd += ref.id.length;
    const text = document === null ? '' : JSON.stringify(document);
    json.push(text);
    jsonEnds[i] = jsonEnd += text.length;
    lastPositions[i] = document?.lastPosition ?? Number.NaN;
  }
  return { collections, collection, ids: ids.join(''), idEnds, json: json.join(''), jsonEnds, lastPositions };
}

function checkIds(changes: readonly DocumentChange[]): void {
  for (const { ref, document } of changes) {
    if (document !== null && document._id !== ref.id)
      throw new Error(`document _id ${document._id} does not match its ref ${documentKey(ref)}`);
  }
}

/** How long opening a file of before waits for another connection that is moving its documents. */
const MIGRATION_WAIT_MS = 30 * 60_000;

/**
 * Moves the documents of a file written before (a WITHOUT ROWID table) into the rowid table, once,
 * in one transaction: another connection opening the file meanwhile waits, then finds it done. The
 * old table's expression indexes go with it; queries create them again on the new one.
 */
function moveToRowidTable(db: Database.Database): void {
  const withoutRowid = () =>
    /WITHOUT\s+ROWID/i.test(
      (db
        .prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'documents'`)
        .pluck()
        .get() as string | undefined) ?? '',
    );
  if (!withoutRowid()) return;
  // A large file takes a while to move: another connection opening it meanwhile waits for that
  // rather than failing after the usual busy timeout.
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${MIGRATION_WAIT_MS}`);
  try {
    moveRows(db, withoutRowid);
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}

function moveRows(db: Database.Database, withoutRowid: () => boolean): void {
  db.transaction(() => {
    if (!withoutRowid()) return;
    db.exec(`
      ${DOCUMENTS_TABLE('documents_rowid')};
      INSERT INTO documents_rowid (collection, id, doc, last_position)
        SELECT collection, id, doc, last_position FROM documents ORDER BY collection, id;
      DROP TABLE documents;
      ALTER TABLE documents_rowid RENAME TO documents;
    `);
  }).immediate();
}

/**
 * Files of before have an index per field over every collection's documents (`documents_by_<field>`),
 * which each write of any document kept up, computing the field from its JSON. Queries now create
 * partial indexes per collection instead; the shared ones go.
 */
function dropSharedIndexes(db: Database.Database): void {
  const shared = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'documents\\_by\\_%' ESCAPE '\\'`,
    )
    .pluck()
    .all() as string[];
  for (const name of shared) db.exec(`DROP INDEX IF EXISTS "${name}"`);
}

/** The SQL of one field's value; the path is checked, so it is safe inline (and matches the index). */
function extract(field: string): string {
  return field === '_id' ? 'id' : `json_extract(doc, '$.${field}')`;
}

function jsonType(field: string): string {
  return field === '_id' ? `'text'` : `json_type(doc, '$.${field}')`;
}

// SQLite would compare 5 < 'a' and read `true` as 1; Mongo compares only values of one type. The type
// guards make both stores answer alike.
function typed(field: string, value: Scalar): string {
  if (typeof value === 'string') return `${jsonType(field)} = 'text'`;
  if (typeof value === 'number') return `${jsonType(field)} IN ('integer', 'real')`;
  return `${jsonType(field)} = '${value ? 'true' : 'false'}'`;
}

function conditionSql(condition: Condition, params: Bind[]): { sql: string; key: string } {
  const { field, op, value } = condition;
  const e = extract(field);
  switch (op) {
    case 'eq': {
      const v = value as Scalar;
      if (typeof v === 'boolean') return { sql: typed(field, v), key: `${field}:eq:${v}` };
      params.push(v);
      return { sql: `(${typed(field, v)} AND ${e} = ?)`, key: `${field}:eq:${typeof v}` };
    }
    case 'in': {
      const values = value as Scalar[];
      const parts: string[] = [];
      const strings = values.filter((v): v is string => typeof v === 'string');
      const numbers = values.filter((v): v is number => typeof v === 'number');
      if (strings.length) {
        parts.push(`(${typed(field, '')} AND ${e} IN (${strings.map(() => '?').join(', ')}))`);
        params.push(...strings);
      }
      if (numbers.length) {
        parts.push(`(${typed(field, 0)} AND ${e} IN (${numbers.map(() => '?').join(', ')}))`);
        params.push(...numbers);
      }
      const booleans = [...new Set(values.filter((v): v is boolean => typeof v === 'boolean'))];
      for (const b of booleans) parts.push(typed(field, b));
      return {
        sql: `(${parts.join(' OR ')})`,
        key: `${field}:in:${strings.length}:${numbers.length}:${booleans.join(',')}`,
      };
    }
    case 'prefix':
      // substr and length count characters, so a prefix of any script compares exactly; no LIKE escaping.
      params.push(value as string, value as string);
      return { sql: `(${typed(field, '')} AND substr(${e}, 1, length(?)) = ?)`, key: `${field}:prefix` };
    default: {
      const sqlOp = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[op];
      params.push(value as Scalar as string | number);
      return {
        sql: `(${typed(field, value as Scalar)} AND ${e} ${sqlOp} ?)`,
        key: `${field}:${op}:${typeof value}`,
      };
    }
  }
}

/**
 * Rows after the cursor in (sort value, id) order. SQLite sorts NULL (an absent field) first, as
 * Mongo does, so absent values come first ascending and last descending.
 */
function keysetSql(
  field: string,
  direction: 'asc' | 'desc',
  value: SortValue,
  id: string,
  params: Bind[],
): { sql: string; key: string } {
  const after = direction === 'asc' ? '>' : '<';
  if (field === '_id') {
    params.push(id);
    return { sql: `id ${after} ?`, key: 'after' };
  }
  const e = extract(field);
  if (value === null) {
    params.push(id);
    return direction === 'asc'
      ? { sql: `((${e} IS NULL AND id > ?) OR ${e} IS NOT NULL)`, key: 'after-null' }
      : { sql: `(${e} IS NULL AND id < ?)`, key: 'after-null' };
  }
  const v = typeof value === 'boolean' ? Number(value) : value;
  params.push(v, v, id);
  const nulls = direction === 'desc' ? ` OR ${e} IS NULL` : '';
  return { sql: `(${e} ${after} ? OR (${e} = ? AND id ${after} ?)${nulls})`, key: 'after-value' };
}
