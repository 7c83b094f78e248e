/**
 * bench:commands — the running embedded app over HTTP, driven by autocannon from this (separate)
 * process: SubmitClaim, and the full approve path (submit, then the manager's approval), beside a
 * route of the same server that does no work (the framework's ceiling). Prints commands/s, p50/p99
 * latency and the ratios. Figures, not assertions: goals are in the README.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { benchToken, startBenchLedger } from './bench-ledger';
import { cpuMs } from './proc-cpu';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PORT = 3900 + Math.floor(Math.random() * 90);
const url = `http://127.0.0.1:${PORT}`;

function claimBody(): string {
  return JSON.stringify({
    payee: { name: 'ACME Supplies Ltd', account: { iban: 'DE89370400440532013000' } },
    amount: { value: '1234.56', currency: 'EUR' },
    costCenter: 'CC-100',
    category: 'travel',
    description: 'Conference trip',
    invoiceNumber: `INV-${randomUUID().slice(0, 30)}`,
  });
}

interface Figures {
  /** Server CPU (all threads) per request, in µs: steady however busy the machine is. */
  cpuMicros: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

// autocannon's types are narrower than its documented API (context-aware hooks), hence the loose type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RunOptions = Record<string, any>;

let serverPid = 0;

/** User + system CPU time of the server process so far, in µs. */
const serverCpuMicros = (): number => cpuMs(serverPid) * 1000;

async function run(title: string, options: RunOptions, count = 1): Promise<Figures> {
  const cpuBefore = serverCpuMicros();
  const result = await autocannon({
    connections: CONNECTIONS,
    duration: DURATION,
    ...options,
    url,
  } as autocannon.Options);
  const figures = {
    cpuMicros: (serverCpuMicros() - cpuBefore) / (result.requests.total / count),
    perSecond: result.requests.average / count,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
  console.error(
    `  ${title}: ${JSON.stringify(result.statusCodeStats)} ${Math.round(figures.perSecond)}/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, errors ${figures.errors}, non-2xx ${figures.non2xx}`,
  );
  return figures;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-commands-'));
  const server = await startBenchLedger({ dataDir, port: PORT, env: { LEDGER_BENCH_ROUTES: '1' } });
  serverPid = server.pid ?? 0;
  try {
    const employee = await benchToken('bench-employee', ['employee']);
    const manager = await benchToken('bench-manager', ['manager']);
    const json = { 'content-type': 'application/json' };

    const submitRequest = {
      method: 'POST',
      path: '/claims',
      headers: { ...json, authorization: `Bearer ${employee}` },
      setupRequest: (r: Record<string, unknown>) => ({ ...r, body: claimBody() }),
    };
    // Warm up the JIT and the SQLite page cache.
    await run('warm-up', { duration: 3, requests: [submitRequest] });

    const noop = await run('no-work route', {
      requests: [{ method: 'POST', path: '/_bench/noop', headers: json, body: '{}' }],
    });
    const submit = await run('SubmitClaim', { requests: [submitRequest] });
    const approvePath = await run(
      'submit + approve',
      {
        requests: [
          {
            ...submitRequest,
            onResponse: (_status: number, body: string, context: Record<string, string>) => {
              context.claimId = (JSON.parse(body) as { claimId: string }).claimId;
            },
          },
          {
            method: 'POST',
            headers: { ...json, authorization: `Bearer ${manager}` },
            setupRequest: (r: Record<string, unknown>, context: Record<string, string>) => ({
              ...r,
              path: `/claims/${context.claimId}/approvals`,
              body: '{}',
            }),
          },
        ],
      },
      2,
    );

    const rows: Array<[string, Figures]> = [
      ['no-work route (ceiling)', noop],
      ['SubmitClaim', submit],
      ['submit + approve (full approve path, per claim)', approvePath],
    ];
    console.log(
      `\nbench:commands — embedded ledger over HTTP, ${CONNECTIONS} connections, ${DURATION} s each (node ${process.version})\n`,
    );
    console.log(
      `${'measure'.padEnd(50)}${'per second'.padStart(12)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'of ceiling'.padStart(12)}${'server CPU µs'.padStart(15)}${'errors'.padStart(8)}`,
    );
    for (const [label, f] of rows) {
      console.log(
        `${label.padEnd(50)}${Math.round(f.perSecond).toLocaleString('en-US').padStart(12)}${String(f.p50).padStart(9)}${String(f.p99).padStart(9)}${`${((f.perSecond / noop.perSecond) * 100).toFixed(1)}%`.padStart(12)}${Math.round(f.cpuMicros).toLocaleString('en-US').padStart(15)}${String(f.errors + f.non2xx).padStart(8)}`,
      );
    }
    console.log(
      '\ngoal (2 cores): SubmitClaim >= 3,000/s with p99 < 50 ms, and >= 33% of the no-work ceiling',
    );
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
