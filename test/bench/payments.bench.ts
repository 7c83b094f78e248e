/**
 * bench:payments — approved claims pushed through DispatchToBank (batches of BENCH_BATCH_SIZE, default
 * 500) on the embedded adapters: the ledger app (command API, projector, bank connector, embedded bus,
 * in-process sandbox bank) in its own process, driven over HTTP from this one. Prints payments settled/s
 * and the p50/p99 time from the DispatchToBank request to the settled status in the payments read
 * model; beside them the same flow with the sandbox bank answering instantly (no settlement delay),
 * which shows the connector's and the ledger's own cost; and the sandbox flow under a steady load (at most
 * BENCH_OUTSTANDING batches dispatched and not yet settled), whose latency is the pipeline's own rather
 * than a backlog's: pushing 10,000 payments at once measures throughput, and its p99 is mostly queue.
 * Also the ledger process's CPU per payment (all threads, and its main thread). Figures, not assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerUpcasters } from '@ledger/events';
import { EmbeddedEventStore } from '@ledger/infra';
import { generateHistory } from '../support/history-generator';
import { benchToken, startBenchLedger } from './bench-ledger';
import { cpuMs, threadCpuMs } from './proc-cpu';

const BATCHES = Number(process.env.BENCH_BATCHES ?? 20);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 500);
/** Dispatch requests in flight at once. */
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 2);
/**
 * Batches dispatched and settled before the clock starts, in each row: the first batches of a fresh
 * process run unoptimised code (V8 compiles the hot paths as they warm up), which is start-up, not the
 * steady state the figures are about. After two such batches V8's compiler threads still took 7% of
 * the ledger's CPU in the measured window (perf); after six, 4%.
 */
const WARMUP_BATCHES = Number(process.env.BENCH_WARMUP_BATCHES ?? 6);
/**
 * For the steady-load row: batches dispatched and not yet settled at any time. Three keep the cores
 * busy without a queue: with two, each batch's wait at the bank (200 ms before it settles) leaves them
 * idle a quarter of the time.
 */
const OUTSTANDING = Number(process.env.BENCH_OUTSTANDING ?? 3);
const DEBTOR = { iban: 'CH9300762011623852957' };
const POLL_MS = 20;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Figures {
  readonly title: string;
  readonly payments: number;
  readonly settled: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly dispatchP50: number;
  /** CPU the ledger process spent per payment: all threads, and its main thread alone. */
  readonly cpuPerPaymentMs: number;
  readonly mainCpuPerPaymentMs: number;
}

/** Approved claims to dispatch, and the head of the log they make. */
async function seedApprovedClaims(
  dataDir: string,
  count: number,
): Promise<{ claims: string[]; head: bigint }> {
  const store = new EmbeddedEventStore({ file: join(dataDir, 'events.sqlite'), upcasters: ledgerUpcasters });
  const claims: string[] = [];
  let head = -1n;
  try {
    // About four events per approved claim; stop once there are enough.
    while (claims.length < count) {
      await generateHistory(store, {
        events: (count - claims.length) * 4,
        seed: 7 + claims.length,
        batchSize: 100,
        approveOnly: true,
        onApproved: (ids) => claims.push(...ids),
      });
    }
    head = await store.headPosition();
  } finally {
    await store.close();
  }
  return { claims: claims.slice(0, count), head };
}

/** Waits until the read models have the seeded history: the clock measures dispatching, not catching up. */
async function waitForReadModels(url: string, token: string, head: bigint): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const reply = await fetch(`${url}/approvals?limit=1&minPosition=${head}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (reply.status === 200) return;
  }
  throw new Error('the read models did not catch up with the seeded history');
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Dispatches `claims` in batches of BATCH_SIZE (BENCH_IN_FLIGHT requests at a time, and with
 * `maxOutstanding` at most that many batches unsettled) and polls each batch until every payment in it
 * has ended; returns each settled payment's time from its dispatch request to the settled status.
 */
async function drive(
  url: string,
  treasurer: string,
  reader: string,
  claims: readonly string[],
  keyPrefix: string,
  maxOutstanding: number | undefined,
): Promise<{ latencies: number[]; dispatchTimes: number[]; settledTotal: number }> {
  const batches = Math.ceil(claims.length / BATCH_SIZE);
  const latencies: number[] = [];
  const dispatchTimes: number[] = [];
  const outstanding = new Map<string, { sentAt: number; size: number; settled: number }>();
  let settledTotal = 0;
  let dispatched = 0;
  const started = performance.now();
  let failed: unknown;
  const poller = (async () => {
    for (;;) {
      if (failed) return;
      for (const [batchId, batch] of outstanding) {
        const reply = await fetch(`${url}/payment-batches/${batchId}`, {
          headers: { authorization: `Bearer ${reader}` },
        });
        if (reply.status !== 200) continue;
        const body = (await reply.json()) as { counts?: Record<string, number> };
        const settled = body.counts?.settled ?? 0;
        // A payment that will not settle (refused, failed) ends the wait for it too, and is reported.
        const ended = settled + (body.counts?.rejected ?? 0) + (body.counts?.failed ?? 0);
        const now = performance.now();
        for (let i = batch.settled; i < settled; i++) latencies.push(now - batch.sentAt);
        settledTotal += settled - batch.settled;
        batch.settled = settled;
        if (ended >= batch.size) outstanding.delete(batchId);
      }
      if (outstanding.size === 0 && dispatched === batches) return;
      if (performance.now() - started > 300_000) throw new Error('payments did not settle within 5 minutes');
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();

  let next = 0;
  /** Batches whose dispatch request is on its way (counted against maxOutstanding). */
  let reserved = 0;
  const dispatchOne = async (): Promise<void> => {
    while (next < batches) {
      // Steady load: a batch goes out only while fewer than maxOutstanding are unsettled, so nothing
      // queues up and the latency is the pipeline's own, not a backlog's.
      while (maxOutstanding !== undefined && outstanding.size + reserved >= maxOutstanding) {
        await new Promise((r) => setTimeout(r, 5));
      }
      // Another lane may have taken the last batch while this one waited.
      if (next >= batches) break;
      reserved += 1;
      const index = next++;
      const claimIds = claims.slice(index * BATCH_SIZE, (index + 1) * BATCH_SIZE);
      const sentAt = performance.now();
      const reply = await fetch(`${url}/payments/dispatch`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${treasurer}`,
          'content-type': 'application/json',
          'idempotency-key': `${keyPrefix}-${index}`,
        },
        body: JSON.stringify({ claimIds, debtorAccount: DEBTOR }),
      });
      const body = (await reply.json()) as { batchId?: string; payments?: unknown[] };
      if (reply.status !== 202 || !body.batchId) {
        throw new Error(`dispatch answered ${reply.status}: ${JSON.stringify(body).slice(0, 300)}`);
      }
      dispatchTimes.push(performance.now() - sentAt);
      outstanding.set(body.batchId, { sentAt, size: claimIds.length, settled: 0 });
      reserved -= 1;
      dispatched++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, dispatchOne)).catch((error: unknown) => {
    failed = error;
  });
  await poller;
  if (failed) throw failed;
  return { latencies, dispatchTimes, settledTotal };
}

async function run(
  title: string,
  env: Record<string, string>,
  options: { maxOutstanding?: number } = {},
): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-payments-'));
  const port = 3900 + Math.floor(Math.random() * 90);
  const url = `http://127.0.0.1:${port}`;
  const total = (WARMUP_BATCHES + BATCHES) * BATCH_SIZE;
  process.stderr.write(`${title}: seeding ${fmt(total)} approved claims\n`);
  const { claims, head } = await seedApprovedClaims(dataDir, total);
  const child = await startBenchLedger({
    dataDir,
    port,
    // Enough money in the sandbox for any amount the history generator picks.
    env: { SANDBOX_BANK_DEFAULT_OPENING_BALANCE: '100000000000', ...env },
  });
  const treasurer = await benchToken('treasurer-1', ['treasurer']);
  const reader = await benchToken('finance-1', ['finance']);
  try {
    await waitForReadModels(url, reader, head);
    const warmupClaims = claims.slice(0, WARMUP_BATCHES * BATCH_SIZE);
    const measuredClaims = claims.slice(warmupClaims.length);
    if (warmupClaims.length > 0) {
      process.stderr.write(`${title}: warming up with ${WARMUP_BATCHES} batches (not measured)\n`);
      await drive(url, treasurer, reader, warmupClaims, 'warmup', options.maxOutstanding);
    }
    process.stderr.write(`${title}: ledger up on ${url}, read models caught up; dispatching\n`);
    const pid = child.pid ?? 0;
    const cpuBefore = cpuMs(pid);
    const mainCpuBefore = cpuMs(pid, pid);
    const threadsBefore = threadCpuMs(pid);
    const driverBefore = process.cpuUsage();
    const started = performance.now();
    const { latencies, dispatchTimes, settledTotal } = await drive(
      url,
      treasurer,
      reader,
      measuredClaims,
      'bench',
      options.maxOutstanding,
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuPerPaymentMs = (cpuMs(pid) - cpuBefore) / measuredClaims.length;
    const mainCpuPerPaymentMs = (cpuMs(pid, pid) - mainCpuBefore) / measuredClaims.length;
    const driverUsage = process.cpuUsage(driverBefore);
    const driverCpuMs = (driverUsage.user + driverUsage.system) / 1000;
    const byThread = new Map<string, number>();
    for (const [tid, ms] of threadCpuMs(pid)) {
      const spent = ms - (threadsBefore.get(tid) ?? 0);
      // Node names no thread; the main thread's id is the process id.
      byThread.set(tid === String(pid) ? 'main' : `thread ${tid}`, spent);
    }
    process.stderr.write(
      `${title}: CPU ms/payment by thread: ${[...byThread]
        .filter(([, ms]) => ms > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([name, ms]) => `${name} ${(ms / measuredClaims.length).toFixed(2)}`)
        .join(', ')}; this driver (requests, polling) ${(driverCpuMs / measuredClaims.length).toFixed(2)}\n`,
    );
    latencies.sort((a, b) => a - b);
    dispatchTimes.sort((a, b) => a - b);
    return {
      title,
      payments: measuredClaims.length,
      settled: settledTotal,
      seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      dispatchP50: percentile(dispatchTimes, 50),
      cpuPerPaymentMs,
      mainCpuPerPaymentMs,
    };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    if (!process.env.BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
    else process.stderr.write(`kept ${dataDir}\n`);
  }
}

/** BENCH_ONLY=instant|sandbox|steady runs that row alone (to profile one flow). */
async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  const rows: Figures[] = [];
  if (!only || only === 'instant') {
    rows.push(
      await run('instant bank (baseline)', {
        SANDBOX_BANK_SETTLE_AFTER_MS: '0',
        SANDBOX_BANK_PENDING_FOR_MS: '0',
        SANDBOX_BANK_RETURN_AFTER_MS: '0',
      }),
    );
  }
  if (!only || only === 'sandbox') rows.push(await run('sandbox bank (default timings)', {}));
  if (!only || only === 'steady') {
    rows.push(
      await run(`sandbox bank, ≤ ${OUTSTANDING} batches unsettled`, {}, { maxOutstanding: OUTSTANDING }),
    );
  }
  print(rows);
}

function print(rows: readonly Figures[]): void {
  console.log(
    `\nbench:payments — ${BATCHES} batches of ${BATCH_SIZE} payments, ${IN_FLIGHT} dispatches in flight, ` +
      `after ${WARMUP_BATCHES} warm-up batches`,
  );
  console.log(
    `${'flow'.padEnd(36)} ${'settled/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'dispatch p50 ms'.padStart(16)} ${'CPU ms/payment (main)'.padStart(22)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.title.padEnd(36)} ${fmt(r.settled / r.seconds).padStart(10)} ${fmt(r.p50).padStart(8)} ${fmt(r.p99).padStart(8)} ${fmt(r.dispatchP50).padStart(16)} ${`${r.cpuPerPaymentMs.toFixed(2)} (${r.mainCpuPerPaymentMs.toFixed(2)})`.padStart(22)}`,
    );
  }
  const [instant, sandbox] = rows;
  for (const r of rows) {
    if (r.settled < r.payments) console.log(`${r.title}: ${r.payments - r.settled} payments did not settle`);
  }
  if (!sandbox || process.env.BENCH_ONLY) return;
  console.log(
    `sandbox/instant throughput: ${((sandbox.settled / sandbox.seconds / (instant.settled / instant.seconds)) * 100).toFixed(0)}%; ` +
      'goal: ≥ 2,000 settled/s, p99 < 1,000 ms from DispatchToBank to settled status',
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
