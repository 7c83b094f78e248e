import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetadataSelection, Upcasters } from '@ledger/events';
import { eventStoreContract } from '../../../../test/contracts/event-store.contract';
import { collect, take, testEvent } from '../../../../test/support/events';
import { EmbeddedEventStore } from './embedded-event-store';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function freshFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-store-'));
  dirs.push(dir);
  return join(dir, 'events.sqlite');
}

eventStoreContract(
  'embedded SQLite',
  async () => new EmbeddedEventStore({ file: freshFile(), pollIntervalMs: 50 }),
);

describe('embedded event store specifics', () => {
  it('commits concurrent appenders together: 64 writers, far fewer fsyncs than appends', async () => {
    const store = new EmbeddedEventStore({ file: freshFile() });
    await Promise.all(
      Array.from({ length: 64 }, async (_, w) => {
        for (let i = 0; i < 20; i++)
          await store.appendToStream(`gc-${w}`, [testEvent()], { expectedRevision: 'any' });
      }),
    );
    expect(store.stats.appends).toBe(64 * 20);
    // One commit per append would be 1,280. How many share one depends on how busy the machine is (the
    // writer thread may wake before all 64 writers posted), so the bound is loose: 8 appends per fsync.
    expect(store.stats.commits).toBeLessThanOrEqual((64 * 20) / 8);
    await store.close();
  });

  it('fails only the conflicting append of a group, not its neighbours', async () => {
    const store = new EmbeddedEventStore({ file: freshFile() });
    await store.appendToStream('g-a', [testEvent()], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled([
      store.appendToStream('g-a', [testEvent()], { expectedRevision: 'no_stream' }),
      store.appendToStream('g-b', [testEvent(), testEvent()], { expectedRevision: 'no_stream' }),
      store.appendToStream('g-a', [testEvent()], { expectedRevision: 0n }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    // Asked for in one tick, the three reach the writer in one message and form one group.
    expect(store.stats).toEqual({ appends: 4, commits: 2, handoffs: 2 });
    expect(await store.readStream('g-a')).toHaveLength(2);
    expect(await store.readStream('g-b')).toHaveLength(2);
    await store.close();
  });

  it('keeps the log in the file: a second process opening it sees every event and follows live appends', async () => {
    const file = freshFile();
    const writer = new EmbeddedEventStore({ file });
    await writer.appendToStream('shared', [testEvent(), testEvent()], { expectedRevision: 'no_stream' });
    const reader = new EmbeddedEventStore({ file, pollIntervalMs: 20 });
    expect(await collect(reader.readAll())).toHaveLength(2);
    const subscription = reader.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    const third = iterator.next();
    // Appended through another connection: only polling can notice it.
    await writer.appendToStream('shared', [testEvent('Third')], { expectedRevision: 1n });
    expect((await third).value?.type).toBe('Third');
    await subscription.close();
    await reader.close();
    await writer.close();
  });

  it('reads only when read-only, and wakes its subscriptions at once when told of appends elsewhere', async () => {
    const file = freshFile();
    const writer = new EmbeddedEventStore({ file });
    // A poll interval far beyond the test's timeout: only the notification can deliver the event.
    const reader = new EmbeddedEventStore({ file, readOnly: true, pollIntervalMs: 600_000 });
    await expect(reader.appendToStream('ro', [testEvent()], { expectedRevision: 'any' })).rejects.toThrow(
      'read-only',
    );
    const heads: bigint[] = [];
    const stopRelay = writer.onAppended((head) => {
      heads.push(head);
      reader.notifyAppended(head);
    });
    const subscription = reader.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    const first = iterator.next();
    const appended = await writer.appendToStream('ro', [testEvent('Relayed')], { expectedRevision: 'any' });
    expect((await first).value?.type).toBe('Relayed');
    expect(heads).toEqual([appended.position]);
    stopRelay();
    await subscription.close();
    await reader.close();
    await writer.close();
  });

  it('forgets a page read earlier in the same turn when told of an append: the woken subscription reads the log', async () => {
    const file = freshFile();
    const writer = new EmbeddedEventStore({ file });
    await writer.appendToStream('memo', [testEvent('First')], { expectedRevision: 'no_stream' });
    const reader = new EmbeddedEventStore({ file, readOnly: true, pollIntervalMs: 600_000 });
    const subscription = reader.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.type).toBe('First');
    const second = iterator.next();
    // Let the subscription find the log exhausted and wait for an append.
    await new Promise((resolve) => setImmediate(resolve));
    const after = Number(await writer.headPosition());
    // In one turn: the subscription's page is read (nothing new yet), another process appends, and the
    // reader is told. A remembered page would hand the subscription the empty one again.
    expect(reader.page(after, 4096).events).toEqual([]);
    const raw = new Database(file);
    raw
      .prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run('memo', 1, 'e-second', 'Second', '{}', JSON.stringify(testEvent('Second').metadata));
    raw.close();
    reader.notifyAppended(BigInt(after + 1));
    expect((await second).value?.type).toBe('Second');
    await subscription.close();
    await reader.close();
    await writer.close();
  });

  it('reads a page once for the subscriptions that ask for it in the same turn, and shares its events', async () => {
    const store = new EmbeddedEventStore({ file: freshFile() });
    const subscriptions = [store.subscribeToAll(), store.subscribeToAll()];
    const iterators = subscriptions.map((s) => s[Symbol.asyncIterator]());
    const firsts = iterators.map((i) => i.next());
    await store.appendToStream('shared-page', [testEvent('Once')], { expectedRevision: 'no_stream' });
    const [a, b] = await Promise.all(firsts);
    expect(a.value?.type).toBe('Once');
    // The same object: decoded once for both.
    expect(b.value).toBe(a.value);
    // A later turn of the event loop reads the log again (another process may have appended meanwhile).
    await new Promise((resolve) => setImmediate(resolve));
    const late = store.subscribeToAll();
    const again = await late[Symbol.asyncIterator]().next();
    expect(again.value).toEqual(a.value);
    expect(again.value).not.toBe(a.value);
    await Promise.all([...subscriptions, late].map((s) => s.close()));
    await store.close();
  });

  it('reads pages of exact event types, skipping the events of other types and longer names', async () => {
    const store = new EmbeddedEventStore({ file: freshFile() });
    const types = ['Paid', 'PaidLate', 'Other', 'Paid', 'Refunded', 'Other', 'Paid'];
    for (const [i, type] of types.entries())
      await store.appendToStream(`exact-${i}`, [testEvent(type, { i })], { expectedRevision: 'no_stream' });
    const exact = store.page(-1, 2, { eventTypes: ['Paid', 'Refunded'] });
    expect(exact.events.map((e) => [e.type, e.data])).toEqual([
      ['Paid', { i: 0 }],
      ['Paid', { i: 3 }],
    ]);
    expect(exact.exhausted).toBe(false);
    const rest = store.page(exact.scannedTo, 10, { eventTypes: ['Paid', 'Refunded'] });
    expect(rest.events.map((e) => e.data)).toEqual([{ i: 4 }, { i: 6 }]);
    expect(rest.exhausted).toBe(true);
    expect(rest.scannedTo).toBe(Number(await store.headPosition()));
    // The port's prefixes still match longer names.
    const prefixed = store.page(-1, 10, { eventTypePrefixes: ['Paid'] });
    expect(prefixed.events.map((e) => e.type)).toEqual(['Paid', 'PaidLate', 'Paid', 'Paid']);
    await store.close();
  });

  it('pages through the log to its head, filtered, and reads all of it, or up to maxCount, across pages', async () => {
    const store = new EmbeddedEventStore({ file: freshFile(), pageSize: 3 });
    const types = ['Paid', 'Other', 'Paid', 'Paid', 'Other', 'Other', 'Other', 'Paid', 'Other'];
    for (const [i, type] of types.entries())
      await store.appendToStream(`pages-${i}`, [testEvent(type, { i })], { expectedRevision: 'no_stream' });
    const head = Number(await store.headPosition());
    const pages = [...store.pages(-1, 2, { eventTypes: ['Paid'] })];
    expect(pages.map((p) => p.events.map((e) => e.data))).toEqual([
      [{ i: 0 }, { i: 2 }],
      [{ i: 3 }, { i: 7 }],
      [],
    ]);
    expect(pages.map((p) => p.exhausted)).toEqual([false, false, true]);
    expect(pages[pages.length - 1].scannedTo).toBe(head);
    // From inside the log, and past its end.
    expect([...store.pages(pages[0].scannedTo, 10)].flatMap((p) => p.events.map((e) => e.data))).toEqual(
      types.slice(3).map((_, k) => ({ i: k + 3 })),
    );
    expect([...store.pages(head, 10)].map((p) => p.events.length)).toEqual([0]);

    const data = async (options: Parameters<EmbeddedEventStore['readAll']>[0]) =>
      (await collect(store.readAll(options))).map((e) => (e.data as { i: number }).i);
    expect(await data({})).toEqual(types.map((_, i) => i));
    expect(await data({ maxCount: 7 })).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await data({ maxCount: 0 })).toEqual([]);
    expect(await data({ maxCount: 3, filter: { eventTypePrefixes: ['Other'] } })).toEqual([1, 4, 5]);
    await store.close();
  });

  it('reads only the metadata fields a selection names, upcasting still by schemaVersion', async () => {
    const upcasters = new Upcasters([
      { type: 'Renamed', fromVersion: 1, upcast: (data) => ({ fullName: (data as { name: string }).name }) },
    ]);
    const store = new EmbeddedEventStore({ file: freshFile(), upcasters });
    await store.appendToStream('meta', [testEvent('Renamed', { name: 'Ada' }), testEvent('Paid', { i: 1 })], {
      expectedRevision: 'no_stream',
    });
    const occurredAt = '2026-01-01T00:00:00.000Z';
    const [renamed, paid] = store.page(-1, 10, { metadata: new MetadataSelection(['occurredAt']) }).events;
    expect(renamed.data).toEqual({ fullName: 'Ada' });
    expect({ ...renamed.metadata }).toEqual({ occurredAt, schemaVersion: 2 });
    expect({ ...paid.metadata }).toEqual({ occurredAt, schemaVersion: 1 });
    expect(() => paid.metadata.actor).toThrow(/metadata\.actor was not read/);
    // One field alone, an object-valued one, and with a type filter.
    const [alone] = store.page(-1, 10, { metadata: new MetadataSelection([]) }).events;
    expect({ ...alone.metadata }).toEqual({ schemaVersion: 2 });
    const [withActor] = store.page(-1, 10, {
      eventTypes: ['Paid'],
      metadata: new MetadataSelection(['actor']),
    }).events;
    expect(withActor.data).toEqual({ i: 1 });
    expect({ ...withActor.metadata }).toEqual({
      actor: { subject: 'test', roles: ['admin'] },
      schemaVersion: 1,
    });
    // Without a selection the whole metadata is read, as before.
    const whole = (await store.readStream('meta'))[1].metadata;
    expect(store.page(-1, 10, { eventTypes: ['Paid'] }).events[0].metadata).toEqual(whole);
    // A store may read only some fields in all its reads of the log in order; streams are read whole.
    const reader = new EmbeddedEventStore({
      file: store.file,
      readOnly: true,
      upcasters,
      metadata: new MetadataSelection(['occurredAt']),
    });
    expect((await collect(reader.readAll())).map((e) => ({ ...e.metadata }))).toEqual([
      { occurredAt, schemaVersion: 2 },
      { occurredAt, schemaVersion: 1 },
    ]);
    const subscription = reader.subscribeToAll();
    expect({ ...(await take(subscription, 2))[1].metadata }).toEqual({ occurredAt, schemaVersion: 1 });
    expect((await reader.readStream('meta'))[1].metadata).toEqual(whole);
    await subscription.close();
    await reader.close();
    await store.close();
  });

  it('keeps occurredAt and schemaVersion in columns of their own, added to a log of before on its first write', async () => {
    // A log as written before the columns: the metadata JSON only.
    const file = freshFile();
    const old = new Database(file);
    old.exec(`CREATE TABLE events (
      position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
      event_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
      UNIQUE (stream_id, revision))`);
    const before = testEvent('Paid', { i: 0 });
    old
      .prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata) VALUES (?, 0, ?, ?, ?, ?)',
      )
      .run(
        'old',
        before.metadata.eventId,
        before.type,
        JSON.stringify(before.data),
        JSON.stringify(before.metadata),
      );
    old.close();
    const selection = new MetadataSelection(['occurredAt', 'actor']);
    const selected = (store: EmbeddedEventStore) =>
      store.page(-1, 10, { metadata: selection }).events.map((e) => ({ ...e.metadata }));
    const expected = {
      actor: { subject: 'test', roles: ['admin'] },
      occurredAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
    };
    // Read-only, the file is left as it is and read from the JSON.
    const reader = new EmbeddedEventStore({ file, readOnly: true });
    expect(selected(reader)).toEqual([expected]);
    await reader.close();
    const columns = () => {
      const db = new Database(file, { readonly: true });
      const names = (db.prepare('PRAGMA table_info(events)').all() as Array<{ name: string }>).map(
        (c) => c.name,
      );
      db.close();
      return names;
    };
    expect(columns()).not.toContain('occurred_at');
    // The first writer adds the columns; the new event fills them, the old one reads from its JSON.
    const store = new EmbeddedEventStore({ file });
    expect(columns()).toEqual(expect.arrayContaining(['occurred_at', 'schema_version']));
    const later = testEvent('Paid', { i: 1 });
    await store.appendToStream(
      'new',
      [{ ...later, metadata: { ...later.metadata, occurredAt: '2026-02-02T00:00:00.000Z' } }],
      {
        expectedRevision: 'no_stream',
      },
    );
    const raw = new Database(file, { readonly: true });
    expect(
      raw.prepare('SELECT stream_id, occurred_at, schema_version FROM events ORDER BY position').all(),
    ).toEqual([
      { stream_id: 'old', occurred_at: null, schema_version: null },
      { stream_id: 'new', occurred_at: '2026-02-02T00:00:00.000Z', schema_version: 1 },
    ]);
    raw.close();
    expect(selected(store)).toEqual([expected, { ...expected, occurredAt: '2026-02-02T00:00:00.000Z' }]);
    // A second writer opening it finds the columns there.
    const second = new EmbeddedEventStore({ file });
    expect((await second.readStream('new'))[0].metadata.occurredAt).toBe('2026-02-02T00:00:00.000Z');
    await second.close();
    await store.close();
  });

  it('upcasts old event versions when they are read', async () => {
    const upcasters = new Upcasters([
      { type: 'Renamed', fromVersion: 1, upcast: (data) => ({ fullName: (data as { name: string }).name }) },
    ]);
    const store = new EmbeddedEventStore({ file: freshFile(), upcasters });
    await store.appendToStream('up', [testEvent('Renamed', { name: 'Ada' })], {
      expectedRevision: 'no_stream',
    });
    const [event] = await store.readStream('up');
    expect(event.data).toEqual({ fullName: 'Ada' });
    expect(event.metadata.schemaVersion).toBe(2);
    await store.close();
  });
});
