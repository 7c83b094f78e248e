/// <reference types="jest" />
// Support for the crash specs only (it asserts with jest's globals), though built with the rest of test/support.
import { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ReadModelDocument, ReadStore } from '@ledger/projections';
import { spawnTs } from './run-ts';

/** One run of `projector-worker.ts`, as the crash tests watch it. */
export interface ProjectorLife {
  readonly child: ChildProcess;
  /** The lowest checkpoint it started from (-1 for none). */
  readonly ready: Promise<bigint>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The position of the last batch it reported. */
  readonly lastBatch: () => bigint;
  /** Whether every one of its projections has reported a batch (so each has a checkpoint). */
  readonly allReported: () => boolean;
  readonly output: () => string;
}

export interface ProjectorWorkerArgs {
  readonly eventsFile: string;
  readonly kind: 'embedded' | 'mongo';
  /** The read-models file, or MONGO_URL. */
  readonly target: string;
  readonly namespace: string;
  readonly batchSize: number;
  readonly set: 'fault' | 'ledger';
  /** How many projections the set has. */
  readonly projections: number;
}

export function startProjector(args: ProjectorWorkerArgs): ProjectorLife {
  const child = spawnTs('test/support/projector-worker.ts', [
    args.eventsFile,
    args.kind,
    args.target,
    args.namespace,
    String(args.batchSize),
    args.set,
  ]);
  let output = '';
  let last = -1n;
  const reported = new Set<string>();
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<bigint>((resolve, reject) => {
    void exit.then(() => reject(new Error(`projector exited before ready: ${output}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output += `${line}\n`;
      const [tag, a, b] = line.split(' ');
      if (tag === 'ready') resolve(BigInt(a));
      if (tag === 'batch') {
        last = BigInt(b);
        reported.add(a);
      }
    });
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exit,
    lastBatch: () => last,
    allReported: () => reported.size === args.projections,
    output: () => output,
  };
}

/**
 * Starts the projector `kills` times and kills each life with SIGKILL, once every projection of that
 * life has committed a batch (on a loaded machine the first can take longer than any fixed delay), at a
 * random moment up to 300 ms after. `during(life)` runs while that life does (appends, say) and is
 * awaited before the kill. Throws if a life finished before its kill: the history is too short.
 */
export async function killRepeatedly(
  start: () => ProjectorLife,
  kills: number,
  during: (life: number) => Promise<void> = () => Promise.resolve(),
): Promise<{ resumedFrom: bigint[]; killedAt: bigint[] }> {
  const resumedFrom: bigint[] = [];
  const killedAt: bigint[] = [];
  for (let life = 0; life < kills; life++) {
    const projector = start();
    resumedFrom.push(await projector.ready);
    const work = during(life);
    const progressed = Date.now() + 20_000;
    while (!projector.allReported() && projector.child.exitCode === null && Date.now() < progressed) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const delay = Math.floor(Math.random() * 300);
    const finished = await Promise.race([
      projector.exit.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), delay)),
    ]);
    await work;
    if (finished)
      throw new Error(`projector finished before its kill; lengthen the history:\n${projector.output()}`);
    projector.child.kill('SIGKILL');
    const { signal } = await projector.exit;
    if (signal !== 'SIGKILL') throw new Error(`projector ended by ${signal}, not the kill`);
    killedAt.push(projector.lastBatch());
  }
  return { resumedFrom, killedAt };
}

/**
 * Starts the last life, which must run to the head of the log and exit 0; then checks what the killed
 * lives show: every kill interrupted real work (a batch after the start, before the head), and every
 * restart resumed from a checkpoint, never from the start, and never behind the restart before it.
 */
export async function lastLifeFinishes(
  start: () => ProjectorLife,
  head: bigint,
  lives: { readonly resumedFrom: readonly bigint[]; readonly killedAt: readonly bigint[] },
): Promise<void> {
  const last = start();
  const resumedFrom = [...lives.resumedFrom, await last.ready];
  const exit = await last.exit;
  expect({ code: exit.code, output: exit.code === 0 ? '' : last.output() }).toEqual({ code: 0, output: '' });
  expect(last.output()).toContain(`done ${head}`);
  expect(lives.killedAt.every((p) => p > 0n && p < head)).toBe(true);
  expect(resumedFrom[0]).toBe(-1n);
  for (let i = 1; i < resumedFrom.length; i++) {
    expect(resumedFrom[i]).toBeGreaterThan(0n);
    expect(resumedFrom[i]).toBeGreaterThanOrEqual(resumedFrom[i - 1]);
  }
}

/** Every document of a collection, through the store's paging. */
export async function everything(store: ReadStore, collection: string): Promise<ReadModelDocument[]> {
  const out: ReadModelDocument[] = [];
  let after: string | undefined;
  do {
    const page = await store.find(collection, { limit: 1000, after });
    out.push(...page.items);
    after = page.next;
  } while (after);
  return out;
}
