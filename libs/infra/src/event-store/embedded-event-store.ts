import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  AdapterHealth,
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventFilter,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  LedgerEvent,
  MetadataSelection,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Upcasters,
  WrongExpectedVersionError,
} from '@ledger/events';
import { startWriter, WriteBatchResult, WriteRequest } from './embedded-writer';

export interface EmbeddedEventStoreOptions {
  /** Path of the SQLite file. */
  readonly file: string;
  readonly upcasters?: Upcasters;
  /** How often a live subscription looks for appends made by another process (ms). */
  readonly pollIntervalMs?: number;
  /** Rows read per query when paging through the log. */
  readonly pageSize?: number;
  /**
   * Reads only (a projector thread beside the process that writes): no writer thread is started and
   * appends are refused. Appends by the writing process reach its subscriptions through
   * `notifyAppended`, or else by polling.
   */
  readonly readOnly?: boolean;
  /**
   * Reads of the log in order (`readAll`, subscriptions, `page`, `pages`) read only these metadata
   * fields, unless a filter names others: for a reader that needs no more, like the projector thread.
   */
  readonly metadata?: MetadataSelection;
}

/** Events after a position, as `page` reads them (the events are shared: never change them). */
/** The port's filter, and exact event types (`type IN (...)`: half the cost of a list of prefixes). */
export interface PageFilter extends EventFilter {
  readonly eventTypes?: readonly string[];
  /**
   * Only these metadata fields are read (from their own columns, or extracted from the stored JSON by
   * SQLite): a replay reads what its projections declare. The metadata is about 380 of an event's 600
   * bytes in a history written through the command API, and decoding it was a seventh of a rebuild's CPU.
   */
  readonly metadata?: MetadataSelection;
}

interface LogPage {
  readonly events: RecordedEvent[];
  /** The last position looked at: a filtered reader advances past events it skipped. */
  readonly scannedTo: number;
  /** The log ended before the limit. */
  readonly exhausted: boolean;
}

const RECENT_PAGES = 4;

interface PendingAppend {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A row as read: with a metadata selection, the selected fields' values stand in for `metadata`. */
type Row = [
  position: number,
  streamId: string,
  revision: number,
  type: string,
  data: string,
  metadata: string,
  ...selected: unknown[],
];

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position   INTEGER PRIMARY KEY,
    stream_id  TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    event_id   TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    metadata   TEXT    NOT NULL,
    occurred_at    TEXT,
    schema_version INTEGER,
    UNIQUE (stream_id, revision)
  );
`;

/**
 * Two metadata fields every reader of the log in order needs (projections: `occurredAt`; upcasting:
 * `schemaVersion`) are also kept in columns of their own, so a replay that reads only them does not
 * parse the metadata. Logs written before have them only in `metadata` (the columns are added, empty,
 * when the file is first opened for writing): reads fall back to the JSON.
 */
const METADATA_COLUMNS: Readonly<Record<string, string>> = {
  occurredAt: 'occurred_at',
  schemaVersion: 'schema_version',
};

/**
 * The event log in one SQLite file (WAL mode, `synchronous=FULL`): an append is acknowledged only
 * after its transaction is on disk, so it survives `kill -9` and power loss.
 *
 * Writes go through one writer thread (see embedded-writer.ts) that commits every append waiting for
 * it in one transaction, one fsync for the group; the main thread reads through its own connection
 * and keeps serving while the writer syncs.
 *
 * SQLite admits one writer at a time, so positions become visible strictly in order: a reader that
 * sees position N has seen every position below N. Subscriptions rely on that to hand over from
 * catch-up to live with no gap.
 */
export class EmbeddedEventStore implements EventStore {
  private readonly db: Database.Database;
  /** What events are read through: another connection to the same log reads them alike. */
  readonly upcasters?: Upcasters;
  /** The log's file, for another connection (a thread) to open. */
  readonly file: string;
  private readonly pageSize: number;
  private readonly metadata?: MetadataSelection;
  /** Whether the file has the `occurred_at` and `schema_version` columns (see METADATA_COLUMNS). */
  private readonly metadataColumns: boolean;
  private readonly pollIntervalMs: number;
  private readonly appended = new EventEmitter();
  private readonly writer?: Worker;
  private readonly pending = new Map<number, PendingAppend>();
  /** Appends not yet handed to the writer: they go together, once the current task's microtasks ran. */
  private outbox: WriteRequest[] = [];
  private nextRequestId = 1;
  private closed = false;
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  /** Pages read in this turn of the event loop, shared by the subscriptions that ask for them. */
  private readonly recentPages = new Map<string, LogPage>();
  private forgetScheduled = false;
  /**
   * Commits made and appends they carried (group commit at work shows as appends > commits), and the
   * messages that handed appends to the writer thread.
   */
  readonly stats = { commits: 0, appends: 0, handoffs: 0 };

  private readonly headStmt: Database.Statement<[]>;
  private readonly readForwardStmt: Database.Statement<[string, number, number]>;
  private readonly readBackwardStmt: Database.Statement<[string, number, number]>;
  private readonly readStreamsStmt: Database.Statement<[string]>;
  private readonly readAllStmts = new Map<string, Database.Statement>();

  constructor(options: EmbeddedEventStoreOptions) {
    mkdirSync(dirname(options.file), { recursive: true });
    this.file = options.file;
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // The writer thread (or another process) may hold the write lock for a moment.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.metadataColumns = ensureMetadataColumns(this.db, !options.readOnly);
    this.upcasters = options.upcasters;
    this.metadata = options.metadata;
    this.pageSize = options.pageSize ?? 4096;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.appended.setMaxListeners(0);

    this.headStmt = this.db.prepare('SELECT max(position) FROM events').pluck();
    this.readForwardStmt = this.db
      .prepare(
        `SELECT position, stream_id, revision, type, data, metadata FROM events
         WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
      )
      .raw() as Database.Statement<[string, number, number]>;
    this.readBackwardStmt = this.db
      .prepare(
        `SELECT position, stream_id, revision, type, data, metadata FROM events
         WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .raw() as Database.Statement<[string, number, number]>;
    // The ids as one JSON array: one statement for any number of them, each found through the index.
    this.readStreamsStmt = this.db
      .prepare(
        `SELECT position, stream_id, revision, type, data, metadata FROM events
         WHERE stream_id IN (SELECT value FROM json_each(?)) ORDER BY stream_id, revision`,
      )
      .raw() as Database.Statement<[string]>;

    if (options.readOnly) return;
    const writer = startWriter(options.file);
    this.writer = writer;
    writer.on('message', (result: WriteBatchResult | { closed: true }) => this.onWritten(result));
    writer.on('error', (error) => {
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    });
    // The writer keeps the process alive only while appends wait for it.
    writer.unref();
  }

  /** Calls `listener` with the new head after each commit of appends made through this store. */
  onAppended(listener: (head: bigint) => void): () => void {
    const relay = (head: number) => listener(BigInt(head));
    this.appended.on('appended', relay);
    return () => this.appended.off('appended', relay);
  }

  /**
   * Wakes the live subscriptions of a read-only store at once: another thread or process committed
   * appends up to `head` (they would find them at their next poll otherwise).
   */
  notifyAppended(head: bigint): void {
    if (!this.closed) this.announce(Number(head));
  }

  appendToStream(
    stream: string,
    events: readonly LedgerEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    const writer = this.writer;
    if (writer === undefined) return Promise.reject(new Error('event store is read-only'));
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    const id = this.nextRequestId++;
    const expected = options.expectedRevision;
    const request: WriteRequest = {
      id,
      stream,
      expected: typeof expected === 'bigint' ? expected.toString() : expected,
      // Serialised now: a caller that changes its objects after the call cannot change what is written.
      events: events.map((e) => ({
        eventId: e.metadata.eventId,
        type: e.type,
        data: JSON.stringify(e.data),
        metadata: JSON.stringify(e.metadata),
        occurredAt: e.metadata.occurredAt,
        schemaVersion: e.metadata.schemaVersion,
      })),
    };
    return new Promise<AppendResult>((resolve, reject) => {
      if (this.pending.size === 0) writer.ref();
      this.pending.set(id, { stream, expected, resolve, reject });
      this.outbox.push(request);
      if (this.outbox.length === 1) queueMicrotask(() => this.postOutbox());
    });
  }

  /**
   * Hands the appends asked for since the last call to the writer in one message. A batch command
   * appends to a thousand streams in one go and receipts arrive by the dozen: a message each cost
   * more than cloning their events.
   */
  private postOutbox(): void {
    if (this.outbox.length === 0) return;
    const requests = this.outbox;
    this.outbox = [];
    this.stats.handoffs += 1;
    this.writer?.postMessage(requests);
  }

  private onWritten(result: WriteBatchResult | { closed: true }): void {
    if ('closed' in result) return;
    this.stats.commits += 1;
    this.stats.appends += result.outcomes.length;
    for (const outcome of result.outcomes) {
      const pending = this.pending.get(outcome.id);
      if (!pending) continue;
      this.pending.delete(outcome.id);
      if (outcome.ok) {
        pending.resolve({
          nextExpectedRevision: BigInt(outcome.revision),
          position: BigInt(outcome.position),
        });
      } else if ('actual' in outcome) {
        const actual = outcome.actual === -1 ? ('no_stream' as const) : BigInt(outcome.actual);
        pending.reject(new WrongExpectedVersionError(pending.stream, pending.expected, actual));
      } else {
        pending.reject(new Error(`append to ${pending.stream} failed: ${outcome.message}`));
      }
    }
    if (this.pending.size === 0) this.writer?.unref();
    if (result.head >= 0) this.announce(result.head);
  }

  /**
   * Wakes the subscriptions waiting for appends. A page remembered in this turn of the event loop may
   * predate the append, so it is forgotten first: a woken subscription must read the log again.
   */
  private announce(head: number): void {
    this.recentPages.clear();
    this.appended.emit('appended', head);
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards' || options.fromRevision === 'end';
    const from = options.fromRevision;
    const limit = options.maxCount ?? -1;
    const rows = (
      backwards
        ? this.readBackwardStmt.all(
            stream,
            typeof from === 'bigint' ? Number(from) : Number.MAX_SAFE_INTEGER,
            limit,
          )
        : this.readForwardStmt.all(stream, typeof from === 'bigint' ? Number(from) : 0, limit)
    ) as Row[];
    return rows.map((row) => this.decode(row));
  }

  /** In one query per 1,000 streams (30 µs a stream read alone, under 20 in a batch of 500). */
  async readStreams(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const found = new Map<string, RecordedEvent[]>();
    for (const stream of streams) found.set(stream, []);
    const unique = [...found.keys()];
    for (let i = 0; i < unique.length; i += 1000) {
      const rows = this.readStreamsStmt.all(JSON.stringify(unique.slice(i, i + 1000))) as Row[];
      for (const row of rows) found.get(row[1])!.push(this.decode(row));
    }
    return found;
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const start =
      options.fromPosition === undefined || options.fromPosition === 'start'
        ? 0
        : Number(options.fromPosition);
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    const filter = options.filter;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const store = this;
    return {
      async *[Symbol.asyncIterator]() {
        if (max <= 0) return;
        let delivered = 0;
        for (const page of store.pages(start - 1, Math.min(store.pageSize, max), filter))
          for (const event of page.events) {
            yield event;
            if (++delivered >= max) return;
          }
      },
    };
  }

  /**
   * Events after `after`, at most `limit`. `scannedTo` is the last position looked at, so a filtered
   * reader advances past events it skipped; `exhausted` means the log ended before the limit.
   */
  page(after: number, limit: number, filter?: PageFilter): LogPage {
    if (filter !== undefined) return this.readPage(after, limit, filter);
    // Live, every projection wakes on the same append and asks for the same page in the same turn of
    // the event loop: it is read and decoded once for all of them. Remembered only until the loop
    // turns (an append by another process would not invalidate it), and only the last few.
    const key = `${after}:${limit}`;
    const remembered = this.recentPages.get(key);
    if (remembered !== undefined) return remembered;
    const page = this.readPage(after, limit);
    this.recentPages.set(key, page);
    if (this.recentPages.size > RECENT_PAGES) this.recentPages.delete(this.recentPages.keys().next().value!);
    if (!this.forgetScheduled) {
      this.forgetScheduled = true;
      setImmediate(() => {
        this.forgetScheduled = false;
        this.recentPages.clear();
      });
    }
    return page;
  }

  /**
   * The log after `after`, page by page (at most `size` events each), up to the head as the last page
   * finds it. Read straight from the file, not through the memo live readers share: a reader of the
   * whole log (a rebuild, an audit export) would only crowd it.
   */
  *pages(after: number, size: number, filter?: PageFilter): Generator<LogPage, void, undefined> {
    for (;;) {
      const page = this.readPage(after, size, filter);
      yield page;
      if (page.exhausted || page.scannedTo === after) return;
      after = page.scannedTo;
    }
  }

  private readPage(after: number, limit: number, filter?: PageFilter): LogPage {
    // Every event up to the head read first is committed, so a filtered read that comes back short
    // has looked at all of them: it must not scan the same unmatched tail again next time.
    const head = filter ? ((this.headStmt.get() as number | null) ?? after) : after;
    const selection = filter?.metadata ?? this.metadata;
    const rows = this.readAllStatement(filter, selection).all(after, ...filterParams(filter), limit) as Row[];
    const events = rows.map((row) => this.decode(row, selection));
    const last = rows.length > 0 ? rows[rows.length - 1][0] : after;
    const exhausted = rows.length < limit;
    const scannedTo = exhausted ? Math.max(last, head) : last;
    return { events, scannedTo, exhausted };
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    const after =
      options.fromPosition === undefined || options.fromPosition === 'start'
        ? 0
        : Number(options.fromPosition);
    const subscription = new EmbeddedSubscription(this, after, options.filter, this.pollIntervalMs, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Resolves on the next append by this process, or after `timeoutMs` (appends by other processes). */
  waitForAppend(timeoutMs: number, signal: { closed: boolean; wake?: () => void }): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.appended.off('appended', done);
        signal.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.appended.on('appended', done);
      signal.wake = done;
    });
  }

  async headPosition(): Promise<bigint> {
    const head = this.headStmt.get() as number | null;
    return head === null ? -1n : BigInt(head);
  }

  async health(): Promise<AdapterHealth> {
    try {
      this.db.prepare('SELECT 1').get();
      return { status: 'up', adapter: 'embedded-sqlite', detail: this.db.name };
    } catch (error) {
      return { status: 'down', adapter: 'embedded-sqlite', detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    const writer = this.writer;
    if (writer !== undefined) {
      // Appends already handed to the writer finish: they were accepted before close was asked for.
      writer.ref();
      const writerDone = new Promise<void>((resolve) => {
        writer.on('message', (message: { closed?: true }) => message.closed && resolve());
        writer.once('exit', () => resolve());
      });
      this.postOutbox();
      writer.postMessage({ close: true });
      await writerDone;
      await writer.terminate();
    }
    this.db.close();
  }

  private readAllStatement(filter?: PageFilter, selection?: MetadataSelection): Database.Statement {
    const streams = filter?.streamPrefixes?.length ?? 0;
    const types = filter?.eventTypePrefixes?.length ?? 0;
    const exact = filter?.eventTypes?.length ?? 0;
    const fields = selection?.fields;
    const key = `${streams}:${types}:${exact}:${fields?.join(',') ?? '*'}`;
    let stmt = this.readAllStmts.get(key);
    if (!stmt) {
      const clauses = ['position > ?'];
      if (streams > 0) clauses.push(`(${Array(streams).fill('substr(stream_id, 1, ?) = ?').join(' OR ')})`);
      if (types > 0) clauses.push(`(${Array(types).fill('substr(type, 1, ?) = ?').join(' OR ')})`);
      if (exact > 0) clauses.push(`type IN (${Array(exact).fill('?').join(', ')})`);
      stmt = this.db
        .prepare(
          `SELECT position, stream_id, revision, type, data, ${metadataSelect(fields, this.metadataColumns)} FROM events
           WHERE ${clauses.join(' AND ')} ORDER BY position LIMIT ?`,
        )
        .raw();
      this.readAllStmts.set(key, stmt);
    }
    return stmt;
  }

  /** A row as an event; with `selection`, the row ends with the selected fields' values. */
  private decode(row: Row, selection?: MetadataSelection): RecordedEvent {
    const event: RecordedEvent = {
      type: row[3],
      data: JSON.parse(row[4]),
      metadata: selection ? selection.fromColumns(row, 5) : (JSON.parse(row[5]) as EventMetadata),
      streamId: row[1],
      revision: BigInt(row[2]),
      position: BigInt(row[0]),
    };
    return this.upcasters ? this.upcasters.upcast(event) : event;
  }
}

/**
 * The metadata column, or a column per chosen field: its own column where the file has one (falling
 * back to the JSON for rows written before), else SQLite's `json_extract`, which answers an object as
 * JSON text (`MetadataSelection.fromColumns` parses it). Field names are `MetadataField`s, checked by
 * `MetadataSelection`.
 */
function metadataSelect(fields: readonly string[] | undefined, ownColumns: boolean): string {
  if (fields === undefined) return 'metadata';
  return fields
    .map((field) => {
      const extracted = `json_extract(metadata, '$.${field}')`;
      const column = ownColumns ? METADATA_COLUMNS[field] : undefined;
      return column === undefined ? extracted : `coalesce(${column}, ${extracted})`;
    })
    .join(', ');
}

/**
 * Whether the log has the metadata columns; a writer adds them to a file of before (an instant schema
 * change: existing rows keep them empty). Two processes may race to: the loser finds them there.
 */
function ensureMetadataColumns(db: Database.Database, write: boolean): boolean {
  const has = () =>
    (db.prepare('PRAGMA table_info(events)').all() as Array<{ name: string }>).some(
      (column) => column.name === 'occurred_at',
    );
  const present = has();
  if (present || !write) return present;
  try {
    db.transaction(() => {
      db.exec('ALTER TABLE events ADD COLUMN occurred_at TEXT');
      db.exec('ALTER TABLE events ADD COLUMN schema_version INTEGER');
    }).immediate();
  } catch (error) {
    if (!has()) throw error;
  }
  return true;
}

function filterParams(filter?: PageFilter): Array<string | number> {
  const params: Array<string | number> = [];
  for (const prefix of filter?.streamPrefixes ?? []) params.push(prefix.length, prefix);
  for (const prefix of filter?.eventTypePrefixes ?? []) params.push(prefix.length, prefix);
  for (const type of filter?.eventTypes ?? []) params.push(type);
  return params;
}

/**
 * Catch-up and live are one loop: read the next page after the last delivered position; when a page
 * comes back short, the subscriber is live and waits for the next append before reading again. Since
 * every read goes to the log, the handover can neither skip nor reorder an event.
 */
class EmbeddedSubscription implements AllSubscription {
  private readonly signal: { closed: boolean; wake?: () => void } = { closed: false };

  constructor(
    private readonly store: EmbeddedEventStore,
    private after: number,
    private readonly filter: EventFilter | undefined,
    private readonly pollIntervalMs: number,
    private readonly onClose: () => void,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    while (!this.signal.closed) {
      const page = this.store.page(this.after, 4096, this.filter);
      for (const event of page.events) {
        if (this.signal.closed) return;
        yield event;
      }
      this.after = page.scannedTo;
      if (page.exhausted && !this.signal.closed)
        await this.store.waitForAppend(this.pollIntervalMs, this.signal);
    }
  }

  async close(): Promise<void> {
    this.signal.closed = true;
    this.signal.wake?.();
    this.onClose();
  }
}
