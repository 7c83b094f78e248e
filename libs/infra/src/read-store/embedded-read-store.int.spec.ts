import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStoreContract } from '../../../../test/contracts/read-store.contract';
import { createReadStore } from './create-read-store';
import { EmbeddedReadStore } from './embedded-read-store';

const dir = mkdtempSync(join(tmpdir(), 'ledger-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One file for the whole suite, as in production: namespaces keep the runs apart.
readStoreContract(
  'embedded SQLite',
  async ({ namespace }) => new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite'), namespace }),
);

describe('embedded read store specifics', () => {
  it('moves the documents of a file of before (a WITHOUT ROWID table) into the rowid table, indexes again', async () => {
    const file = join(dir, 'old-layout.sqlite');
    const old = new Database(file);
    old.exec(`
      CREATE TABLE documents (collection TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
        last_position INTEGER, PRIMARY KEY (collection, id)) WITHOUT ROWID;
      CREATE TABLE checkpoints (projection TEXT PRIMARY KEY, position INTEGER NOT NULL);
      CREATE INDEX "documents_by_n" ON documents (collection, json_extract(doc, '$.n'), id);
      INSERT INTO documents VALUES ('c', 'a', '{"_id":"a","n":2,"lastPosition":7}', 7);
      INSERT INTO documents VALUES ('c', 'b', '{"_id":"b","n":1,"lastPosition":8}', 8);
      INSERT INTO checkpoints VALUES ('p', 8);
    `);
    old.close();
    const store = new EmbeddedReadStore({ file });
    expect(await store.get('c', 'a')).toEqual({ _id: 'a', n: 2, lastPosition: 7 });
    expect(await store.checkpoint('p')).toBe(8n);
    expect(
      (await store.find('c', { limit: 10, sort: { field: 'n', direction: 'asc' } })).items.map((d) => d._id),
    ).toEqual(['b', 'a']);
    await store.commit(
      [{ ref: { collection: 'c', id: 'a' }, document: { _id: 'a', n: 3, lastPosition: 9 } }],
      {
        projection: 'p',
        position: 9n,
      },
    );
    await store.close();
    const check = new Database(file, { readonly: true });
    const sql = check
      .prepare(`SELECT sql FROM sqlite_master WHERE name = 'documents'`)
      .pluck()
      .get() as string;
    expect(sql).not.toMatch(/WITHOUT ROWID/i);
    expect(check.prepare('SELECT count(*) FROM documents').pluck().get()).toBe(2);
    // The index over every collection is gone; the query made one for its collection.
    expect(
      check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`).pluck().all(),
    ).toEqual(['documents:c:n']);
    check.close();
    // Opening it again finds nothing to move.
    const again = new EmbeddedReadStore({ file });
    expect(await again.get('c', 'a')).toEqual({ _id: 'a', n: 3, lastPosition: 9 });
    await again.close();
  });

  it('indexes a sorted field for its collection only, and the query pages through that index', async () => {
    const file = join(dir, 'partial-indexes.sqlite');
    const store = new EmbeddedReadStore({ file, namespace: 'run1' });
    const docs = ['a', 'b', 'c'].map((id, i) => ({
      ref: { collection: 'approvals', id },
      document: { _id: id, since: `2026-01-0${3 - i}`, lastPosition: i },
    }));
    await store.commit(
      [
        ...docs,
        {
          ref: { collection: 'payments', id: 'p' },
          document: { _id: 'p', since: '2026-01-09', lastPosition: 3 },
        },
      ],
      { projection: 'p', position: 3n },
    );
    const page = await store.find('approvals', { limit: 2, sort: { field: 'since', direction: 'asc' } });
    expect(page.items.map((d) => d._id)).toEqual(['c', 'b']);
    const next = await store.find('approvals', {
      limit: 2,
      sort: { field: 'since', direction: 'asc' },
      after: page.next,
    });
    expect(next.items.map((d) => d._id)).toEqual(['a']);
    await store.close();

    const check = new Database(file, { readonly: true });
    const indexes = check
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
      .all() as Array<{ name: string; sql: string }>;
    expect(indexes.map((i) => i.name)).toEqual(['documents:run1__approvals:since']);
    expect(indexes[0].sql).toMatch(/WHERE collection = 'run1__approvals'$/);
    // The planner takes it for the collection bound at run time, and only for that one.
    const plan = (collection: string) =>
      (
        check
          .prepare(
            `EXPLAIN QUERY PLAN SELECT doc FROM documents WHERE collection = ? ORDER BY json_extract(doc, '$.since'), id LIMIT 3`,
          )
          .all(collection) as Array<{ detail: string }>
      )
        .map((row) => row.detail)
        .join('; ');
    expect(plan('run1__approvals')).toContain('USING INDEX documents:run1__approvals:since');
    expect(plan('run1__payments')).not.toContain('documents:run1__approvals:since');
    check.close();
  });

  it('waits, on opening a file of before, for another connection that holds the write lock (moving it)', async () => {
    const file = join(dir, 'old-layout-locked.sqlite');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(`
      CREATE TABLE documents (collection TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
        last_position INTEGER, PRIMARY KEY (collection, id)) WITHOUT ROWID;
      CREATE TABLE checkpoints (projection TEXT PRIMARY KEY, position INTEGER NOT NULL);
      INSERT INTO documents VALUES ('c', 'a', '{"_id":"a","lastPosition":1}', 1);
    `);
    old.close();
    // Another process holds the write lock for a second, as one moving a large file would.
    const holder = spawn(process.execPath, [
      '-e',
      `const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
       const db = new Database(${JSON.stringify(file)});
       db.exec('BEGIN IMMEDIATE');
       process.stdout.write('locked\\n');
       setTimeout(() => { db.exec('COMMIT'); db.close(); }, 1000);`,
    ]);
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const started = Date.now();
    // A busy timeout far shorter than the lock is held: only the wait for the move lets it open.
    const store = new EmbeddedReadStore({ file, busyTimeoutMs: 100 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(await store.get('c', 'a')).toEqual({ _id: 'a', lastPosition: 1 });
    await store.close();
    await new Promise((resolve) => holder.once('exit', resolve));
  });

  it('keeps documents and checkpoints in the file across reopening', async () => {
    const file = join(dir, 'reopen.sqlite');
    const first = new EmbeddedReadStore({ file });
    await first.commit(
      [{ ref: { collection: 'c', id: 'a' }, document: { _id: 'a', n: 1, lastPosition: 4 } }],
      {
        projection: 'p',
        position: 4n,
      },
    );
    await first.close();
    const second = new EmbeddedReadStore({ file });
    expect(await second.get('c', 'a')).toEqual({ _id: 'a', n: 1, lastPosition: 4 });
    expect(await second.checkpoint('p')).toBe(4n);
    await second.close();
  });

  it('applies two changes of one document in one commit in their order', async () => {
    // Whatever order a commit writes its rows in, the order of one document's changes must survive it.
    const store = new EmbeddedReadStore({ file: join(dir, 'order.sqlite'), namespace: 'order' });
    const ref = (id: string) => ({ collection: 'c', id });
    await store.commit(
      [
        { ref: ref('z'), document: { _id: 'z', n: 1, lastPosition: 1 } },
        { ref: ref('a'), document: { _id: 'a', n: 1, lastPosition: 1 } },
        { ref: ref('a'), document: null },
        { ref: ref('m'), document: null },
        { ref: ref('m'), document: { _id: 'm', n: 2, lastPosition: 1 } },
      ],
      { projection: 'p', position: 1n },
    );
    expect(await store.get('c', 'a')).toBeUndefined();
    expect(await store.get('c', 'm')).toEqual({ _id: 'm', n: 2, lastPosition: 1 });
    expect(await store.get('c', 'z')).toEqual({ _id: 'z', n: 1, lastPosition: 1 });
    await store.close();
  });

  it('writes nothing of a commit with a document whose _id is not its ref', async () => {
    const store = new EmbeddedReadStore({ file: join(dir, 'mismatch.sqlite') });
    await expect(
      store.commit(
        [
          { ref: { collection: 'c', id: 'a' }, document: { _id: 'a', lastPosition: 1 } },
          { ref: { collection: 'c', id: 'b' }, document: { _id: 'x', lastPosition: 1 } },
        ],
        { projection: 'p', position: 1n },
      ),
    ).rejects.toThrow(/does not match its ref c\/b/);
    expect(await store.get('c', 'a')).toBeUndefined();
    expect(await store.checkpoint('p')).toBeNull();
    await store.close();
  });

  it('writes nothing of a commit whose document cannot be serialised, though those before it were', async () => {
    // Documents are serialised inside the transaction, one before each insert: the failure rolls back
    // the inserts already made, and the checkpoint is not moved.
    const store = new EmbeddedReadStore({ file: join(dir, 'unserialisable.sqlite') });
    await store.commit(
      [{ ref: { collection: 'c', id: 'a' }, document: { _id: 'a', n: 1, lastPosition: 1 } }],
      {
        projection: 'p',
        position: 1n,
      },
    );
    await expect(
      store.commit(
        [
          { ref: { collection: 'c', id: 'a' }, document: { _id: 'a', n: 2, lastPosition: 2 } },
          { ref: { collection: 'c', id: 'b' }, document: { _id: 'b', lastPosition: 2 } },
          { ref: { collection: 'c', id: 'c' }, document: { _id: 'c', units: 5n, lastPosition: 2 } },
        ],
        { projection: 'p', position: 2n },
      ),
    ).rejects.toThrow(/BigInt/);
    expect(await store.get('c', 'a')).toEqual({ _id: 'a', n: 1, lastPosition: 1 });
    expect(await store.get('c', 'b')).toBeUndefined();
    expect(await store.checkpoint('p')).toBe(1n);
    await store.close();
  });

  it('is what createReadStore makes without MONGO_URL, under LEDGER_DATA_DIR', async () => {
    const store = createReadStore({ LEDGER_DATA_DIR: join(dir, 'data') }, { namespace: 'replay_1' });
    expect(store).toBeInstanceOf(EmbeddedReadStore);
    expect((await store.health()).detail).toBe(join(dir, 'data', 'read-models.sqlite'));
    await store.close();
  });
});
