import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Upcasters,
  WrongExpectedVersionError,
} from '@ledger/events';

export interface EmbeddedEventStoreOptions {
  /** Path of the SQLite file. */
  readonly file: string;
  readonly upcasters?: Upcasters;
  /** How often a live subscription looks for appends made by another process (ms). */
  readonly pollIntervalMs?: number;
  /** Rows read per query when paging through the log. */
  readonly pageSize?: number;
}

interface PendingAppend {
  readonly stream: string;
  readonly events: readonly LedgerEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

type Row = [
  position: number,
  streamId: string,
  revision: number,
  type: string,
  data: string,
  metadata: string,
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
    UNIQUE (stream_id, revision)
  );
`;

/**
 * The event log in one SQLite file (WAL mode, `synchronous=FULL`): an append is acknowledged only
 * after its transaction is on disk, so it survives `kill -9` and power loss.
 *
 * Group commit: appends that arrive while the event loop is busy are queued and written in one
 * transaction, one fsync for all of them. Each append in the group is still checked and applied on
 * its own (a savepoint each), so one writer's wrong expected revision fails only that writer.
 *
 * SQLite admits one writer at a time, so positions become visible strictly in order: a reader that
 * sees position N has seen every position below N. Subscriptions rely on that to hand over from
 * catch-up to live with no gap.
 */
export class EmbeddedEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly upcasters?: Upcasters;
  private readonly pageSize: number;
  private readonly pollIntervalMs: number;
  private readonly appended = new EventEmitter();
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  /** Commits made and appends they carried: group commit at work shows as appends > commits. */
  readonly stats = { commits: 0, appends: 0 };

  private readonly lastRevisionStmt: Database.Statement<[string], { revision: number } | undefined>;
  private readonly eventIdAtStmt: Database.Statement<[string, number]>;
  private readonly insertStmt: Database.Statement<[string, number, string, string, string, string]>;
  private readonly headStmt: Database.Statement<[]>;
  private readonly readAllStmts = new Map<string, Database.Statement>();

  constructor(options: EmbeddedEventStoreOptions) {
    mkdirSync(dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // Another process (a replay, a second app) may hold the write lock for a moment.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.upcasters = options.upcasters;
    this.pageSize = options.pageSize ?? 4096;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.appended.setMaxListeners(0);

    this.lastRevisionStmt = this.db.prepare(
      'SELECT max(revision) AS revision FROM events WHERE stream_id = ?',
    );
    this.eventIdAtStmt = this.db
      .prepare('SELECT event_id FROM events WHERE stream_id = ? AND revision = ?')
      .pluck() as Database.Statement<[string, number]>;
    this.insertStmt = this.db.prepare(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.headStmt = this.db.prepare('SELECT max(position) FROM events').pluck();
  }

  appendToStream(
    stream: string,
    events: readonly LedgerEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ stream, events, expected: options.expectedRevision, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    const outcomes: Array<{ ok: true; result: AppendResult } | { ok: false; error: unknown }> = [];
    let head = -1;
    try {
      this.db.transaction(() => {
        for (const pending of group) {
          try {
            const result = this.appendOne(pending);
            outcomes.push({ ok: true, result });
            head = Math.max(head, Number(result.position));
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the group is durable.
      for (const pending of group) pending.reject(error);
      return;
    }
    this.stats.commits += 1;
    this.stats.appends += group.length;
    group.forEach((pending, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) pending.resolve(outcome.result);
      else pending.reject(outcome.error);
    });
    if (head >= 0) this.appended.emit('appended', head);
  }

  /** Runs inside the group's transaction, in a savepoint of its own. */
  private appendOne(pending: PendingAppend): AppendResult {
    return this.db.transaction((): AppendResult => {
      const { stream, events, expected } = pending;
      const last = this.lastRevisionStmt.get(stream)?.revision;
      const actual = last === null || last === undefined ? -1 : last;
      if (!revisionMatches(expected, actual)) {
        const replay = this.idempotentReplay(stream, events, expected, actual);
        if (replay) return replay;
        throw new WrongExpectedVersionError(stream, expected, actual === -1 ? 'no_stream' : BigInt(actual));
      }
      let position = 0;
      let revision = actual;
      for (const event of events) {
        revision += 1;
        const info = this.insertStmt.run(
          stream,
          revision,
          event.metadata.eventId,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
        );
        position = Number(info.lastInsertRowid);
      }
      return { nextExpectedRevision: BigInt(revision), position: BigInt(position) };
    })();
  }

  /**
   * A retry of an append that already succeeded: the same event ids stand right after the expected
   * revision (or, for `any`, at the end of the stream). EventStoreDB answers those with the original
   * result, and so do we.
   */
  private idempotentReplay(
    stream: string,
    events: readonly LedgerEvent[],
    expected: ExpectedRevision,
    actual: number,
  ): AppendResult | undefined {
    let first: number;
    if (typeof expected === 'bigint') first = Number(expected) + 1;
    else if (expected === 'no_stream') first = 0;
    else return undefined;
    if (first + events.length - 1 > actual) return undefined;
    for (let i = 0; i < events.length; i++) {
      if (this.eventIdAtStmt.get(stream, first + i) !== events[i].metadata.eventId) return undefined;
    }
    const lastRevision = first + events.length - 1;
    const position = this.db
      .prepare('SELECT position FROM events WHERE stream_id = ? AND revision = ?')
      .pluck()
      .get(stream, lastRevision) as number;
    return { nextExpectedRevision: BigInt(lastRevision), position: BigInt(position) };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards' || options.fromRevision === 'end';
    const from = options.fromRevision;
    const limit = options.maxCount ?? -1;
    let rows: Row[];
    if (backwards) {
      const start = typeof from === 'bigint' ? Number(from) : Number.MAX_SAFE_INTEGER;
      rows = this.db
        .prepare(
          `SELECT position, stream_id, revision, type, data, metadata FROM events
           WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
        )
        .raw()
        .all(stream, start, limit) as Row[];
    } else {
      const start = typeof from === 'bigint' ? Number(from) : 0;
      rows = this.db
        .prepare(
          `SELECT position, stream_id, revision, type, data, metadata FROM events
           WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
        )
        .raw()
        .all(stream, start, limit) as Row[];
    }
    return rows.map((row) => this.decode(row));
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
        let after = start - 1;
        let delivered = 0;
        while (delivered < max) {
          const page = store.page(after, Math.min(store.pageSize, max - delivered), filter);
          for (const event of page.events) {
            yield event;
            delivered += 1;
          }
          if (page.scannedTo === after) return;
          after = page.scannedTo;
          if (page.exhausted) return;
        }
      },
    };
  }

  /**
   * Events after `after`, at most `limit`. `scannedTo` is the last position looked at, so a filtered
   * reader advances past events it skipped; `exhausted` means the log ended before the limit.
   */
  page(
    after: number,
    limit: number,
    filter?: EventFilter,
  ): { events: RecordedEvent[]; scannedTo: number; exhausted: boolean } {
    const rows = this.readAllStatement(filter).all(after, ...filterParams(filter), limit) as Row[];
    const events = rows.map((row) => this.decode(row));
    const scannedTo = rows.length > 0 ? rows[rows.length - 1][0] : after;
    return { events, scannedTo, exhausted: rows.length < limit };
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
    // Let queued appends finish: they were accepted before close was asked for.
    while (this.queue.length > 0 || this.flushScheduled) await new Promise((r) => setImmediate(r));
    this.db.close();
  }

  private readAllStatement(filter?: EventFilter): Database.Statement {
    const streams = filter?.streamPrefixes?.length ?? 0;
    const types = filter?.eventTypePrefixes?.length ?? 0;
    const key = `${streams}:${types}`;
    let stmt = this.readAllStmts.get(key);
    if (!stmt) {
      const clauses = ['position > ?'];
      if (streams > 0) clauses.push(`(${Array(streams).fill('substr(stream_id, 1, ?) = ?').join(' OR ')})`);
      if (types > 0) clauses.push(`(${Array(types).fill('substr(type, 1, ?) = ?').join(' OR ')})`);
      stmt = this.db
        .prepare(
          `SELECT position, stream_id, revision, type, data, metadata FROM events
           WHERE ${clauses.join(' AND ')} ORDER BY position LIMIT ?`,
        )
        .raw();
      this.readAllStmts.set(key, stmt);
    }
    return stmt;
  }

  private decode(row: Row): RecordedEvent {
    const event: RecordedEvent = {
      type: row[3],
      data: JSON.parse(row[4]),
      metadata: JSON.parse(row[5]) as EventMetadata,
      streamId: row[1],
      revision: BigInt(row[2]),
      position: BigInt(row[0]),
    };
    return this.upcasters ? this.upcasters.upcast(event) : event;
  }
}

function revisionMatches(expected: ExpectedRevision, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === -1;
  if (expected === 'stream_exists') return actual >= 0;
  return BigInt(actual) === expected;
}

function filterParams(filter?: EventFilter): Array<string | number> {
  const params: Array<string | number> = [];
  for (const prefix of filter?.streamPrefixes ?? []) params.push(prefix.length, prefix);
  for (const prefix of filter?.eventTypePrefixes ?? []) params.push(prefix.length, prefix);
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
