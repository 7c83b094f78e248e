import { Worker } from 'node:worker_threads';

/**
 * xmllint-wasm's `validateXML` starts a worker thread and compiles the wasm module for every call: about
 * 100–150 ms before any XML is read, and the validation itself then runs in unoptimised wasm. These workers
 * live on instead: each compiles the module once and runs every xmllint invocation against it (V8 tiers the hot
 * code up after the first few runs), which brings a 500-transaction pain.001 from ~250 ms to ~20 ms.
 *
 * It drives the Emscripten factory that `xmllint-wasm/xmllint-node.js` exports with the same options the
 * package's own worker passes (`inputFiles`, `arguments`, `printErr`, `onExit`, `wasmMemory`) plus Emscripten's
 * standard `instantiateWasm` hook. Workers are unref'd (they never keep a process alive) and stop after a
 * minute without work.
 */

export interface XmllintRun {
  /** xmllint's exit code: 0 valid, 3 or 4 invalid or unparsable, anything else a failure of xmllint itself. */
  readonly exitCode: number;
  readonly stderr: string;
}

export interface XmllintFile {
  readonly fileName: string;
  readonly contents: string;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const createXmllint = require(workerData.xmllintPath);
const compiled = new WebAssembly.Module(readFileSync(join(dirname(workerData.xmllintPath), 'xmllint.wasm')));
parentPort.on('message', (job) => {
  if (!job || job.kind !== 'ledger-xmllint') return;
  let stderr = '';
  let answered = false;
  const answer = (exitCode) => {
    if (answered) return;
    answered = true;
    parentPort.postMessage({ kind: 'ledger-xmllint', id: job.id, exitCode, stderr });
  };
  try {
    createXmllint({
      inputFiles: job.inputFiles,
      arguments: job.args,
      print() {},
      printErr(text) { stderr += text + '\\n'; },
      onExit: answer,
      onAbort(reason) { stderr += 'xmllint aborted: ' + reason + '\\n'; answer(-1); },
      wasmMemory: new WebAssembly.Memory({ initial: 256, maximum: job.maxMemoryPages }),
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(compiled, imports).then(
          (instance) => receive(instance, compiled),
          (error) => { stderr += String(error) + '\\n'; answer(-1); },
        );
        return {};
      },
    }).catch((error) => { stderr += String(error) + '\\n'; answer(-1); });
  } catch (error) {
    stderr += String(error) + '\\n';
    answer(-1);
  }
});
`;

const IDLE_MS = 60_000;
// wasm memory grows on demand up to this; a 500-transaction pain.001 needs far less, a large batch more.
const MAX_MEMORY_PAGES = 16384; // 1 GiB

interface PooledWorker {
  readonly worker: Worker;
  readonly pending: Map<number, (run: XmllintRun) => void>;
  idleTimer?: NodeJS.Timeout;
}

let nextId = 0;
const workers: PooledWorker[] = [];

/** Runs xmllint with `args` over `files` in a pooled worker (at most `poolSize` threads). */
export function runXmllint(
  files: readonly XmllintFile[],
  args: readonly string[],
  poolSize: number,
): Promise<XmllintRun> {
  const pooled = pickWorker(poolSize);
  return new Promise<XmllintRun>((resolve) => {
    const id = nextId++;
    clearTimeout(pooled.idleTimer);
    pooled.pending.set(id, resolve);
    pooled.worker.ref();
    pooled.worker.postMessage({
      kind: 'ledger-xmllint',
      id,
      inputFiles: files,
      args,
      maxMemoryPages: MAX_MEMORY_PAGES,
    });
  });
}

/** Stops the pooled workers (on shutdown, or at the end of a test file); the next run starts new ones. */
export async function closeXmllintPool(): Promise<void> {
  const stopping = workers.splice(0, workers.length);
  await Promise.all(stopping.map((pooled) => stop(pooled, 'the xmllint pool was closed')));
}

function pickWorker(poolSize: number): PooledWorker {
  const idle = workers.find((pooled) => pooled.pending.size === 0);
  if (idle !== undefined) return idle;
  if (workers.length < poolSize) return startWorker();
  return workers.reduce((least, pooled) => (pooled.pending.size < least.pending.size ? pooled : least));
}

function startWorker(): PooledWorker {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { xmllintPath: require.resolve('xmllint-wasm/xmllint-node.js') },
    // Not the parent's flags: a `-r` TypeScript loader would be loaded again by every worker.
    execArgv: [],
  });
  const pooled: PooledWorker = { worker, pending: new Map() };
  worker.on('message', (message: { kind?: string; id: number; exitCode: number; stderr: string }) => {
    if (message?.kind !== 'ledger-xmllint') return;
    const resolve = pooled.pending.get(message.id);
    pooled.pending.delete(message.id);
    if (pooled.pending.size === 0) idle(pooled);
    resolve?.({ exitCode: message.exitCode, stderr: message.stderr });
  });
  const fail = (reason: string) => {
    const index = workers.indexOf(pooled);
    if (index >= 0) workers.splice(index, 1);
    for (const resolve of pooled.pending.values()) resolve({ exitCode: -1, stderr: reason });
    pooled.pending.clear();
  };
  worker.on('error', (error) => fail(`xmllint worker failed: ${error.message}`));
  worker.on('exit', (code) => fail(`xmllint worker exited with code ${code}`));
  workers.push(pooled);
  return pooled;
}

function idle(pooled: PooledWorker): void {
  pooled.worker.unref();
  pooled.idleTimer = setTimeout(() => {
    const index = workers.indexOf(pooled);
    if (index >= 0 && pooled.pending.size === 0) {
      workers.splice(index, 1);
      void stop(pooled, 'idle');
    }
  }, IDLE_MS);
  pooled.idleTimer.unref();
}

async function stop(pooled: PooledWorker, reason: string): Promise<void> {
  clearTimeout(pooled.idleTimer);
  for (const resolve of pooled.pending.values()) resolve({ exitCode: -1, stderr: reason });
  pooled.pending.clear();
  await pooled.worker.terminate();
}
