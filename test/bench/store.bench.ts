/**
 * bench:store — the embedded event store against the ceiling of the same SQLite file.
 *
 * Prints appends/s for 1 and 64 concurrent durable single-event writers (group commit), appends/s in
 * 100-event batches, readAll and catch-up subscription events/s over 1,000,000 events; beside them
 * the raw better-sqlite3 figures in the same run (all inserts in one transaction; a bare SELECT scan)
 * and the ratios. Figures, not assertions: goals are in the README.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EmbeddedEventStore } from '@ledger/infra';
import { LedgerEvent } from '@ledger/events';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
const file = join(dir, 'events.sqlite');

function event(i: number): LedgerEvent {
  return {
    type: 'ClaimSubmitted',
    data: {
      claimId: `c-${i}`,
      amount: { value: '1234.56', currency: 'EUR' },
      costCenter: 'CC-100',
      category: 'travel',
    },
    metadata: {
      eventId: randomUUID(),
      correlationId: 'bench',
      causationId: 'bench',
      actor: { subject: 'bench', roles: ['employee'] },
      occurredAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 2,
    },
  };
}

async function timed(
  fn: () => Promise<number>,
): Promise<{ count: number; seconds: number; perSecond: number }> {
  const start = process.hrtime.bigint();
  const count = await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { count, seconds, perSecond: count / seconds };
}

const rows: Array<[string, string, string, string]> = [];
function row(label: string, perSecond: number, ceiling: number | undefined, note: string): void {
  rows.push([
    label,
    Math.round(perSecond).toLocaleString('en-US'),
    ceiling ? Math.round(ceiling).toLocaleString('en-US') : '',
    ceiling ? `${((perSecond / ceiling) * 100).toFixed(1)}%` : note,
  ]);
}

async function main(): Promise<void> {
  const store = new EmbeddedEventStore({ file });

  // Ceiling: the same rows straight into a table of the same shape, one transaction, no checks.
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec(`CREATE TABLE raw_events (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
    event_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream_id, revision))`);
  const rawInsert = raw.prepare(
    'INSERT INTO raw_events (stream_id, revision, event_id, type, data, metadata) VALUES (?,?,?,?,?,?)',
  );
  const rawN = 200_000;
  const rawWrite = await timed(async () => {
    raw.transaction(() => {
      for (let i = 0; i < rawN; i++) {
        const e = event(i);
        rawInsert.run(
          `raw-${i % 1000}`,
          Math.floor(i / 1000),
          e.metadata.eventId,
          e.type,
          JSON.stringify(e.data),
          JSON.stringify(e.metadata),
        );
      }
    })();
    return rawN;
  });

  const single = await timed(async () => {
    const n = 3_000;
    for (let i = 0; i < n; i++)
      await store.appendToStream(`single-${i % 100}`, [event(i)], { expectedRevision: 'any' });
    return n;
  });
  row('1 writer, single-event durable appends', single.perSecond, rawWrite.perSecond, '');

  const commitsBefore = store.stats.commits;
  const concurrent = await timed(async () => {
    const perWriter = 1_000;
    await Promise.all(
      Array.from({ length: 64 }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) {
          await store.appendToStream(`writer-${w}-${i % 50}`, [event(i)], { expectedRevision: 'any' });
        }
      }),
    );
    return 64 * perWriter;
  });
  const groupSize = 64_000 / (store.stats.commits - commitsBefore);
  row('64 writers, single-event durable appends', concurrent.perSecond, rawWrite.perSecond, '');

  const batchedOne = await timed(async () => {
    const batches = 1_000;
    for (let b = 0; b < batches; b++) {
      await store.appendToStream(
        `batch1-${b}`,
        Array.from({ length: 100 }, (_, i) => event(i)),
        { expectedRevision: 'no_stream' },
      );
    }
    return batches * 100;
  });
  row('1 writer, 100-event batches', batchedOne.perSecond, rawWrite.perSecond, '');

  const head = Number(await store.headPosition());
  const remaining = Math.max(TOTAL - head, 0);
  const batched = await timed(async () => {
    const writers = 8;
    const batchesPerWriter = Math.ceil(remaining / 100 / writers);
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let b = 0; b < batchesPerWriter; b++) {
          await store.appendToStream(
            `batch8-${w}-${b}`,
            Array.from({ length: 100 }, (_, i) => event(i)),
            { expectedRevision: 'no_stream' },
          );
        }
      }),
    );
    return writers * batchesPerWriter * 100;
  });
  row('8 writers, 100-event batches', batched.perSecond, rawWrite.perSecond, '');

  const total = Number(await store.headPosition());
  const rawScan = await timed(async () => {
    let n = 0;
    for (const r of raw
      .prepare('SELECT position, stream_id, revision, type, data, metadata FROM events')
      .raw()
      .iterate()) {
      if (r) n++;
    }
    return n;
  });
  const readAll = await timed(async () => {
    let n = 0;
    for await (const e of store.readAll()) if (e.position > 0n) n++;
    return n;
  });
  row(`readAll over ${total.toLocaleString('en-US')} events`, readAll.perSecond, rawScan.perSecond, '');

  const catchUp = await timed(async () => {
    const subscription = store.subscribeToAll();
    let n = 0;
    for await (const e of subscription) {
      if (e.position > 0n) n++;
      if (n === total) break;
    }
    await subscription.close();
    return n;
  });
  row(
    `catch-up subscription over ${total.toLocaleString('en-US')} events`,
    catchUp.perSecond,
    rawScan.perSecond,
    '',
  );

  await store.close();
  raw.close();
  rmSync(dir, { recursive: true, force: true });

  const widths = [50, 14, 14, 10];
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
  console.log(`\nbench:store — embedded SQLite event store (${process.platform}, node ${process.version})`);
  console.log(
    `raw ceiling: ${Math.round(rawWrite.perSecond).toLocaleString('en-US')} inserts/s in one transaction, ` +
      `${Math.round(rawScan.perSecond).toLocaleString('en-US')} rows/s bare scan\n`,
  );
  console.log(line(['measure', 'events/s', 'raw ceiling', 'ratio']));
  for (const r of rows) console.log(line(r));
  console.log(`\ngroup commit: 64 writers averaged ${groupSize.toFixed(1)} appends per fsync`);
  console.log(
    'goals (2 cores): 64 writers >= 20,000/s; batched >= 100,000/s; readAll and catch-up >= 250,000/s',
  );
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(`peak-ish RSS at end: ${rss.toFixed(0)} MiB`);
}

void main();
