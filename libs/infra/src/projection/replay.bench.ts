/**
 * Replay benchmark: rebuilds two small projections (a counter and sum per stream, totals per
 * currency) from a log of BENCH_EVENTS (default 200,000) small events, into the embedded read store
 * and, when MONGO_URL is set, into MongoDB (FerretDB in CI). Also times the live runner's catch-up.
 *
 *   node -r @swc-node/register libs/infra/src/projection/replay.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { LedgerEvent } from '@ledger/events';
import { Projection, ReadModelDocument, ReadStore } from '@ledger/projections';
import { EmbeddedEventStore } from '../event-store/embedded-event-store';
import { EmbeddedReadStore } from '../read-store/embedded-read-store';
import { MongoReadStore } from '../read-store/mongo-read-store';
import { ProjectionRunner } from './projection-runner';
import { rebuild } from './rebuild';

const total = Number(process.env.BENCH_EVENTS ?? 200_000);
const streams = Math.max(1, Math.floor(total / 10));
const currencies = ['EUR', 'USD', 'CNY', 'JPY'];

const sum = (doc: ReadModelDocument | undefined, amount: bigint) =>
  (BigInt((doc?.sum as string | undefined) ?? '0') + amount).toString();
const perStream: Projection = {
  name: 'bench_streams',
  collections: ['bench_streams'],
  handles: ['BenchMoved'],
  touches: (e) => [{ collection: 'bench_streams', id: e.streamId }],
  apply: (doc, e, ref) => ({
    _id: ref.id,
    events: ((doc?.events as number) ?? 0) + 1,
    sum: sum(doc, BigInt((e.data as { amount: string }).amount)),
  }),
};
const perCurrency: Projection = {
  name: 'bench_currencies',
  collections: ['bench_currencies'],
  handles: ['BenchMoved'],
  touches: (e) => [{ collection: 'bench_currencies', id: (e.data as { currency: string }).currency }],
  apply: (doc, e, ref) => ({
    _id: ref.id,
    events: ((doc?.events as number) ?? 0) + 1,
    sum: sum(doc, BigInt((e.data as { amount: string }).amount)),
  }),
};
const projections = [perStream, perCurrency];

function event(i: number): LedgerEvent {
  return {
    type: 'BenchMoved',
    data: { amount: String(1 + (i % 9973)), currency: currencies[i % currencies.length] },
    metadata: {
      eventId: randomUUID(),
      correlationId: 'bench',
      causationId: 'bench',
      actor: { subject: 'bench', roles: [] },
      occurredAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-replay-bench-'));
  const events = new EmbeddedEventStore({ file: join(dir, 'events.sqlite') });
  // Streams interleave in the log (2 events per append, round robin), as payments do.
  let written = 0;
  for (let round = 0; written < total; round++) {
    const appends: Promise<unknown>[] = [];
    for (let s = 0; s < streams && written < total; s++, written += 2)
      appends.push(
        events.appendToStream(`bench-${s}`, [event(written), event(written + 1)], {
          expectedRevision: 'any',
        }),
      );
    await Promise.all(appends);
  }
  const head = await events.headPosition();
  console.log(`log: ${head} events in ${streams} streams`);

  const measure = async (label: string, store: ReadStore) => {
    const result = await rebuild(events, projections, store);
    const check = await store.get('bench_currencies', 'EUR');
    console.log(
      `rebuild into ${label}: ${result.events} events in ${(result.elapsedMs / 1000).toFixed(2)} s = ` +
        `${Math.round(result.eventsPerSecond).toLocaleString('en')} events/s ` +
        `(documents written ${JSON.stringify(result.written)}; EUR events ${check?.events})`,
    );
  };
  const embedded = new EmbeddedReadStore({
    file: join(dir, 'read-models.sqlite'),
    namespace: 'replay_bench',
  });
  await measure('embedded SQLite', embedded);

  // The live runner catching up over the same log (writes every batch, with its checkpoint).
  const live = new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite'), namespace: 'live_bench' });
  const runner = new ProjectionRunner({ eventStore: events, readStore: live, projections, batchSize: 5000 });
  const t0 = performance.now();
  await runner.start();
  await runner.waitFor(head, 600_000);
  const ms = performance.now() - t0;
  await runner.stop();
  console.log(
    `live runner catch-up into embedded SQLite: ${Math.round((Number(head) * 1000) / ms).toLocaleString('en')} events/s`,
  );
  await embedded.close();
  await live.close();

  if (process.env.MONGO_URL) {
    const mongo = new MongoReadStore({ url: process.env.MONGO_URL, namespace: `replay_bench_${Date.now()}` });
    await measure(`MongoDB at ${process.env.MONGO_URL}`, mongo);
    for (const p of projections) await mongo.reset(p.name, p.collections);
    await mongo.close();
  }
  await events.close();
  rmSync(dir, { recursive: true, force: true });
}

void main();
