import { Worker } from 'node:worker_threads';

/** An append as it travels to the writer thread: event payloads already serialised. */
export interface WriteRequest {
  readonly id: number;
  readonly stream: string;
  /** `any`, `no_stream`, `stream_exists`, or a revision as a decimal string. */
  readonly expected: string;
  readonly events: ReadonlyArray<{
    eventId: string;
    type: string;
    data: string;
    metadata: string;
    /** Also in `metadata`; kept in columns of their own for readers of the log in order. */
    occurredAt: string;
    schemaVersion: number;
  }>;
}

export type WriteOutcome =
  | { readonly id: number; readonly ok: true; readonly revision: number; readonly position: number }
  | { readonly id: number; readonly ok: false; readonly actual: number }
  | { readonly id: number; readonly ok: false; readonly message: string };

export interface WriteBatchResult {
  readonly outcomes: WriteOutcome[];
  readonly head: number;
}

/**
 * Starts the thread that owns the log's only write connection. It takes every append that arrived
 * while it was busy and commits them in one transaction (one fsync), each append in a savepoint of
 * its own so a wrong expected revision fails only that append. The fsync happens off the main
 * thread, which keeps serving requests meanwhile; the next group gathers while this one syncs.
 */
export function startWriter(file: string): Worker {
  return new Worker(`(${writerMain.toString()})()`, {
    eval: true,
    workerData: { file, driver: require.resolve('better-sqlite3') },
  });
}

/*
 * Runs inside the worker, from its source text: it may use nothing from this module's scope, only
 * what it requires itself.
 */
function writerMain(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort, workerData } = require('node:worker_threads');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require(workerData.driver);
  const db = new Database(workerData.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  const lastRevision = db.prepare('SELECT max(revision) FROM events WHERE stream_id = ?').pluck();
  const eventIdAt = db.prepare('SELECT event_id FROM events WHERE stream_id = ? AND revision = ?').pluck();
  const positionAt = db.prepare('SELECT position FROM events WHERE stream_id = ? AND revision = ?').pluck();
  const insert = db.prepare(
    `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, occurred_at, schema_version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let queue: WriteRequest[] = [];
  let scheduled = false;
  let closing = false;

  const matches = (expected: string, actual: number): boolean =>
    expected === 'any' ||
    (expected === 'no_stream' && actual === -1) ||
    (expected === 'stream_exists' && actual >= 0) ||
    (/^\d+$/.test(expected) && Number(expected) === actual);

  // A retry of an append that already succeeded: the same event ids right after the expected revision.
  const replay = (request: WriteRequest, actual: number): WriteOutcome | undefined => {
    const first =
      request.expected === 'no_stream'
        ? 0
        : /^\d+$/.test(request.expected)
          ? Number(request.expected) + 1
          : -1;
    if (first < 0 || first + request.events.length - 1 > actual) return undefined;
    for (let i = 0; i < request.events.length; i++) {
      if (eventIdAt.get(request.stream, first + i) !== request.events[i].eventId) return undefined;
    }
    const revision = first + request.events.length - 1;
    return { id: request.id, ok: true, revision, position: positionAt.get(request.stream, revision) };
  };

  const appendOne = db.transaction((request: WriteRequest): WriteOutcome => {
    const last = lastRevision.get(request.stream);
    const actual = last === null || last === undefined ? -1 : last;
    if (!matches(request.expected, actual))
      return replay(request, actual) ?? { id: request.id, ok: false, actual };
    let revision = actual;
    let position = 0;
    for (const event of request.events) {
      revision += 1;
      position = Number(
        insert.run(
          request.stream,
          revision,
          event.eventId,
          event.type,
          event.data,
          event.metadata,
          event.occurredAt,
          event.schemaVersion,
        ).lastInsertRowid,
      );
    }
    return { id: request.id, ok: true, revision, position };
  });

  const flush = (): void => {
    scheduled = false;
    const group = queue;
    queue = [];
    if (group.length > 0) {
      let outcomes: WriteOutcome[];
      try {
        outcomes = db.transaction(() =>
          group.map((request) => {
            try {
              return appendOne(request);
            } catch (error) {
              return { id: request.id, ok: false, message: String((error as Error).message) } as WriteOutcome;
            }
          }),
        )();
      } catch (error) {
        // The commit itself failed (disk full, I/O error): nothing of the group is durable.
        outcomes = group.map((request) => ({
          id: request.id,
          ok: false,
          message: String((error as Error).message),
        }));
      }
      const head = outcomes.reduce((max, o) => (o.ok ? Math.max(max, o.position) : max), -1);
      parentPort.postMessage({ outcomes, head });
    }
    if (closing && queue.length === 0) {
      db.close();
      parentPort.postMessage({ closed: true });
    }
  };

  parentPort.on('message', (message: readonly WriteRequest[] | { close: true }) => {
    if ('close' in message) closing = true;
    else for (const request of message) queue.push(request);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
}
