/**
 * bench:replay — a realistic history (claims through settlement, written by the real deciders) of
 * BENCH_EVENTS events (default 1,000,000); every read model rebuilt from it into the embedded
 * store and, when MONGO_URL is set, into MongoDB (FerretDB here); beside them the raw readAll rate of
 * the same history in the same run, and the ratio (BENCH_SERIAL=1 adds the embedded rebuild on one
 * thread, without the helper threads). Then the live lag: events/s the projector sustains
 * while new history is written, and the p99 delay from append to read model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerUpcasters } from '@ledger/events';
import { ledgerProjections } from '@ledger/projections';
import {
  EmbeddedEventStore,
  EmbeddedReadStore,
  MongoReadStore,
  ProjectionRunner,
  rebuild,
} from '@ledger/infra';
import { generateHistory } from '../support/history-generator';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  const events = new EmbeddedEventStore({ file: join(dir, 'events.sqlite'), upcasters: ledgerUpcasters });
  try {
    let shown = 0;
    const written = await generateHistory(events, {
      events: TOTAL,
      batchSize: 50,
      onProgress: (n) => {
        if (n - shown >= 100_000) process.stderr.write(`\rgenerating history: ${fmt((shown = n))} events`);
      },
    });
    process.stderr.write(`\rgenerated ${fmt(written)} events\n`);

    const readStart = performance.now();
    let read = 0;
    for await (const e of events.readAll()) if (e.position > 0n) read += 1;
    const readRate = read / ((performance.now() - readStart) / 1000);

    const rows: Array<[string, number]> = [];
    process.stderr.write(`raw readAll: ${fmt(readRate)} events/s\n`);
    if (process.env.BENCH_SERIAL) {
      // The same rebuild on the caller's thread alone: what the helper threads add.
      const serial = new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite'), namespace: 'serial' });
      const onOne = await rebuild(events, ledgerProjections, serial, { parallel: false });
      rows.push(['replay into the embedded store, one thread', onOne.eventsPerSecond]);
      process.stderr.write(`replay into embedded, one thread: ${fmt(onOne.eventsPerSecond)} events/s\n`);
      for (const p of ledgerProjections) await serial.reset(p.name, p.collections);
      await serial.close();
    }
    const embedded = new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite'), namespace: 'bench' });
    const intoEmbedded = await rebuild(events, ledgerProjections, embedded, {});
    rows.push([
      `replay into the embedded store (SQLite, ${intoEmbedded.threads} thread${intoEmbedded.threads > 1 ? 's' : ''})`,
      intoEmbedded.eventsPerSecond,
    ]);
    process.stderr.write(`replay into embedded: ${fmt(intoEmbedded.eventsPerSecond)} events/s\n`);
    await embedded.close();
    if (process.env.MONGO_URL) {
      const mongo = new MongoReadStore({ url: process.env.MONGO_URL, namespace: `bench_${Date.now()}` });
      const intoMongo = await rebuild(events, ledgerProjections, mongo, {});
      rows.push([`replay into MongoDB wire protocol (${process.env.MONGO_URL})`, intoMongo.eventsPerSecond]);
      process.stderr.write(`replay into MongoDB: ${fmt(intoMongo.eventsPerSecond)} events/s\n`);
      for (const p of ledgerProjections) await mongo.reset(p.name, p.collections);
      await mongo.close();
    }

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

    console.log(
      `\nbench:replay — ${fmt(written)} events of realistic history, ${ledgerProjections.length} projections (node ${process.version})\n`,
    );
    console.log(`${'measure'.padEnd(62)}${'events/s'.padStart(12)}${'of readAll'.padStart(12)}`);
    console.log(
      `${'raw readAll of the same history (ceiling)'.padEnd(62)}${fmt(readRate).padStart(12)}${'100.0%'.padStart(12)}`,
    );
    for (const [label, rate] of rows) {
      console.log(
        `${label.padEnd(62)}${fmt(rate).padStart(12)}${`${((rate / readRate) * 100).toFixed(1)}%`.padStart(12)}`,
      );
    }
    console.log(
      `\nlive: ${fmt(applied / liveSeconds)} events/s projected while ${fmt(liveEvents)} events were written; ` +
        `append → read model delay p50 ${p(0.5).toFixed(0)} ms, p99 ${p(0.99).toFixed(0)} ms (${delays.length} samples)`,
    );
    console.log(
      'goals (2 cores): embedded >= 100,000 events/s; MongoDB wire (FerretDB here) >= 20,000 events/s',
    );
  } finally {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
