/**
 * bench:replay — a realistic history (claims through settlement, written by the real deciders) of
 * BENCH_EVENTS events (default 1,000,000); every read model rebuilt from it into the embedded
 * store and, when MONGO_URL is set, into a fresh database of that MongoDB server (FerretDB here); beside them the raw readAll rate of
 * the same history in the same run, and the ratio (BENCH_SERIAL=1 adds the embedded rebuild on one
 * thread, without the helper threads). Then the live lag: events/s the projector sustains
 * while new history is written, and the p99 delay from append to read model.
 *
 * For measuring one change after another: BENCH_HISTORY=<dir> keeps the generated history there and
 * reuses it on the next run (a copy: the live row appends to it); BENCH_ROWS=embedded,mongo,live
 * picks the rows (default all). The CPU time of the rebuild (this process, every thread) is printed
 * beside each rate.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { ledgerUpcasters } from '@ledger/events';
import { ledgerProjections } from '@ledger/projections';
import {
  EmbeddedEventStore,
  EmbeddedReadStore,
  MongoReadStore,
  ProjectionRunner,
  rebuild,
  RebuildResult,
} from '@ledger/infra';
import { generateHistory } from '../support/history-generator';
import { cpuMs } from './proc-cpu';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ROWS = new Set((process.env.BENCH_ROWS ?? 'embedded,mongo,live').split(','));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** This process's CPU time so far (user + system, every thread), in seconds. */
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

interface Row {
  readonly label: string;
  readonly rate: number;
  /** CPU per event of this process (every thread), and of the server process when BENCH_SERVER_PID names it. */
  readonly cpuMicros: number;
  readonly serverCpuMicros?: number;
}

/** CPU time so far of another process (user + system), in seconds; undefined if it cannot be read. */
function processCpuSeconds(pid: string | undefined): number | undefined {
  if (!pid) return undefined;
  const ms = cpuMs(pid.trim());
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

async function measured(label: string, run: () => Promise<RebuildResult>, intoServer = false): Promise<Row> {
  const serverPid = process.env.BENCH_SERVER_PID;
  const cpuBefore = cpuSeconds();
  const serverBefore = processCpuSeconds(serverPid);
  const result = await run();
  const cpuMicros = ((cpuSeconds() - cpuBefore) * 1e6) / result.events;
  const serverAfter = processCpuSeconds(serverPid);
  const title = `${label}${result.threads > 1 ? `, ${result.threads} threads` : ''}`;
  process.stderr.write(`${title}: ${fmt(result.eventsPerSecond)} events/s\n`);
  return {
    label: title,
    rate: result.eventsPerSecond,
    cpuMicros,
    ...(serverBefore !== undefined && serverAfter !== undefined && intoServer
      ? { serverCpuMicros: ((serverAfter - serverBefore) * 1e6) / result.events }
      : {}),
  };
}

/** The same server, another database. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * The history to replay: generated into `dir`, or copied from BENCH_HISTORY when it holds one of
 * this size (and kept there when it does not yet).
 */
async function history(dir: string): Promise<{ events: EmbeddedEventStore; written: number }> {
  const file = join(dir, 'events.sqlite');
  const kept = process.env.BENCH_HISTORY
    ? join(process.env.BENCH_HISTORY, `events-${TOTAL}.sqlite`)
    : undefined;
  if (kept !== undefined && existsSync(kept)) {
    copyFileSync(kept, file);
    const events = new EmbeddedEventStore({ file, upcasters: ledgerUpcasters });
    process.stderr.write(`history: ${kept}\n`);
    return { events, written: Number(await events.headPosition()) };
  }
  let events = new EmbeddedEventStore({ file, upcasters: ledgerUpcasters });
  let shown = 0;
  const written = await generateHistory(events, {
    events: TOTAL,
    batchSize: 50,
    onProgress: (n) => {
      if (n - shown >= 100_000) process.stderr.write(`\rgenerating history: ${fmt((shown = n))} events`);
    },
  });
  process.stderr.write(`\rgenerated ${fmt(written)} events\n`);
  if (kept !== undefined) {
    mkdirSync(process.env.BENCH_HISTORY!, { recursive: true });
    // Closing the last connection folds the write-ahead log into the file.
    await events.close();
    copyFileSync(file, kept);
    events = new EmbeddedEventStore({ file, upcasters: ledgerUpcasters });
  }
  return { events, written };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  const { events, written } = await history(dir);
  try {
    const readStart = performance.now();
    let read = 0;
    for await (const e of events.readAll()) if (e.position > 0n) read += 1;
    const readRate = read / ((performance.now() - readStart) / 1000);

    const rows: Row[] = [];
    process.stderr.write(`raw readAll: ${fmt(readRate)} events/s\n`);
    if (process.env.BENCH_SERIAL) {
      // The same rebuild on the caller's thread alone: what the helper threads add.
      // A file of its own, so the two-thread row below starts from an equally fresh one.
      const serial = new EmbeddedReadStore({ file: join(dir, 'read-models-serial.sqlite') });
      rows.push(
        await measured('replay into the embedded store, one thread', () =>
          rebuild(events, ledgerProjections, serial, { parallel: false }),
        ),
      );
      await serial.close();
    }
    if (ROWS.has('embedded')) {
      const embedded = new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite'), namespace: 'bench' });
      rows.push(
        await measured('replay into the embedded store (SQLite)', () =>
          rebuild(events, ledgerProjections, embedded, {}),
        ),
      );
      await embedded.close();
    }
    if (process.env.MONGO_URL && ROWS.has('mongo')) {
      // A database of its own, dropped afterwards: the figure is the rebuild's, not that of a file
      // other runs and test suites have grown and fragmented (FerretDB keeps a database in one file).
      const url = withDatabase(process.env.MONGO_URL, `bench_replay_${Date.now()}`);
      const mongo = new MongoReadStore({ url });
      try {
        rows.push(
          await measured(
            `replay into MongoDB wire protocol (${process.env.MONGO_URL})`,
            () => rebuild(events, ledgerProjections, mongo, {}),
            true,
          ),
        );
      } finally {
        await mongo.close();
        const client = new MongoClient(url);
        await client.db().dropDatabase();
        await client.close();
      }
    }

    let liveLine = '';
    if (ROWS.has('live')) {
      // Live: catch up, then write more history while the projector follows it.
      const live = new EmbeddedReadStore({ file: join(dir, 'live.sqlite') });
      const appendedAt = new Map<bigint, number>();
      const delays: number[] = [];
      let applied = 0;
      let measuring = false;
      const runner = new ProjectionRunner({
        eventStore: events,
        readStore: live,
        projections: ledgerProjections,
        onBatch: (report) => {
          if (!measuring || report.projection !== 'balances') return;
          applied += report.events;
          const now = performance.now();
          for (const [position, at] of appendedAt) {
            if (position > report.position) continue;
            delays.push(now - at);
            appendedAt.delete(position);
          }
        },
      });
      await runner.start();
      await runner.waitFor(await events.headPosition(), 600_000);
      measuring = true;
      const liveStart = performance.now();
      const liveEvents = Math.min(100_000, Math.max(10_000, Math.floor(TOTAL / 10)));
      await generateHistory(events, {
        events: liveEvents,
        seed: 99,
        batchSize: 20,
        onProgress: () => {
          void events.headPosition().then((head) => appendedAt.set(head, performance.now()));
        },
      });
      await runner.waitFor(await events.headPosition(), 120_000);
      const liveSeconds = (performance.now() - liveStart) / 1000;
      await runner.stop();
      await live.close();
      delays.sort((a, b) => a - b);
      const p = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? NaN;
      liveLine =
        `\nlive: ${fmt(applied / liveSeconds)} events/s projected while ${fmt(liveEvents)} events were written; ` +
        `append → read model delay p50 ${p(0.5).toFixed(0)} ms, p99 ${p(0.99).toFixed(0)} ms (${delays.length} samples)`;
    }
    console.log(
      `\nbench:replay — ${fmt(written)} events of realistic history, ${ledgerProjections.length} projections (node ${process.version})\n`,
    );
    console.log(
      `${'measure'.padEnd(62)}${'events/s'.padStart(12)}${'of readAll'.padStart(12)}${'CPU µs/event'.padStart(26)}`,
    );
    console.log(
      `${'raw readAll of the same history (ceiling)'.padEnd(62)}${fmt(readRate).padStart(12)}${'100.0%'.padStart(12)}`,
    );
    for (const row of rows) {
      const cpu = `${row.cpuMicros.toFixed(1)}${row.serverCpuMicros === undefined ? '' : ` + ${row.serverCpuMicros.toFixed(1)} server`}`;
      console.log(
        `${row.label.padEnd(62)}${fmt(row.rate).padStart(12)}${`${((row.rate / readRate) * 100).toFixed(1)}%`.padStart(12)}${cpu.padStart(26)}`,
      );
    }
    if (liveLine) console.log(liveLine);
    console.log(
      'goals (2 cores): embedded >= 100,000 events/s; MongoDB wire (FerretDB here) >= 20,000 events/s',
    );
  } finally {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
