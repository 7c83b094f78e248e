import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  EmbeddedEventStore,
  embeddedLog,
  EmbeddedReadStore,
  PositionWaiters,
  readStoreSpec,
  retryDelay,
  startModuleWorker,
} from '@ledger/infra';
import { FromProjectorThread, ProjectorThreadData, ToProjectorThread } from './projector-thread.messages';

export interface ProjectorThreadOptions {
  /** The store this process appends through: each of its commits is relayed to the thread. */
  readonly events: EmbeddedEventStore;
  /** The read store the thread writes (it opens its own connection to the same file). */
  readonly readStore: EmbeddedReadStore;
  readonly onError: (projection: string, error: string) => void;
  /**
   * The thread died or could not start again. It is started again after `restartDelayMs`, doubling
   * with each start that fails, up to 30 s.
   */
  readonly onExit: (error: string) => void;
  /** Default 1 s. */
  readonly restartDelayMs?: number;
  /**
   * How often the thread looks for appends it was not told of (default: the log's). Appends through
   * `events` are relayed at once; polling finds those of other processes.
   */
  readonly pollIntervalMs?: number;
}

/**
 * What the thread needs to open the same log and read store as this process, or why it cannot (an
 * in-memory read store is private to its connection; a log read through other upcasters would be
 * projected differently there).
 */
export function threadData(
  events: EmbeddedEventStore,
  readStore: EmbeddedReadStore,
  pollIntervalMs?: number,
): ProjectorThreadData | string {
  const log = embeddedLog(events);
  if (log === undefined) return 'the log is read through upcasters other than the ledger’s';
  const spec = readStoreSpec(readStore);
  if (typeof spec === 'string') return spec;
  if (spec.kind !== 'embedded') return 'the read store is not the embedded one';
  return {
    eventsFile: log.file,
    upcast: log.upcast,
    readStore: spec.options,
    ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
  };
}

const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The embedded projector on a thread of its own: projecting (decoding every event five times, writing
 * documents, serialising them) then no longer holds up the command API, the bank connector and queries
 * on the main thread, and it runs on the second core. The thread's state is its checkpoints in the read
 * store, as in process: if it dies it is started again and carries on from them.
 */
export class ProjectorThread {
  private worker?: Worker;
  private readonly positions = new Map<string, bigint>();
  private readonly waiters = new PositionWaiters<string>(
    (projection, position) => this.position(projection) >= position,
  );
  private unsubscribe?: () => void;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  /** Whether a thread is up: started, and not exited since. */
  private alive = false;
  /** The last failure of each projection that has not applied a batch since. */
  private readonly failing = new Map<string, string>();

  constructor(private readonly options: ProjectorThreadOptions) {}

  /** Starts the thread; resolves once every projection has read its checkpoint. */
  async start(): Promise<void> {
    this.unsubscribe = this.options.events.onAppended((head) =>
      this.send({ kind: 'appended', head: head.toString() }),
    );
    await this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.unsubscribe?.();
    const worker = this.worker;
    if (worker !== undefined) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      this.send({ kind: 'stop' });
      // The thread commits its last batch and checkpoints, then exits; never wait on it forever.
      const timer = setTimeout(() => void worker.terminate(), 30_000);
      await exited;
      clearTimeout(timer);
    }
    this.waiters.settleAll();
  }

  position(projection: string): bigint {
    return this.positions.get(projection) ?? -1n;
  }

  /**
   * For health checks: whether the thread is up (false between its death and its start again), and
   * the projections whose last batch failed, with the error (they are being retried).
   */
  state(): { readonly alive: boolean; readonly failing: ReadonlyMap<string, string> } {
    return { alive: this.alive, failing: new Map(this.failing) };
  }

  waitFor(projection: string, position: bigint, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(projection, position, timeoutMs);
  }

  private launch(): Promise<void> {
    const data = threadData(this.options.events, this.options.readStore, this.options.pollIntervalMs);
    if (typeof data === 'string') return Promise.reject(new Error(`no projector thread: ${data}`));
    const worker = startModuleWorker(join(__dirname, 'projector.thread'), data);
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      let fatal: string | undefined;
      worker.on('message', (message: FromProjectorThread) => {
        switch (message.kind) {
          case 'started':
            for (const [name, position] of Object.entries(message.positions))
              this.advance(name, position === null ? -1n : BigInt(position));
            started = true;
            this.alive = true;
            resolve();
            break;
          case 'progress':
            this.failing.delete(message.projection);
            this.advance(message.projection, BigInt(message.position));
            break;
          case 'failed':
            this.failing.set(message.projection, message.error);
            this.options.onError(message.projection, message.error);
            break;
          case 'fatal':
            fatal = message.error;
            if (!started) reject(new Error(`the projector thread could not start: ${message.error}`));
            void worker.terminate();
            break;
        }
      });
      worker.on('error', (error) => {
        fatal = String(error);
        if (!started) reject(error);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) {
          this.worker = undefined;
          this.alive = false;
        }
        if (!started) return reject(new Error(`the projector thread exited with ${code} before it started`));
        if (this.stopping) return;
        this.options.onExit(fatal ?? `exited with code ${code}`);
        this.restartLater(1);
      });
    });
  }

  /** Starts the thread again after the `failures`-th delay; a start that fails is tried again, later. */
  private restartLater(failures: number): void {
    if (this.stopping) return;
    const delay = retryDelay(failures, this.options.restartDelayMs ?? 1000, MAX_RESTART_DELAY_MS);
    this.restartTimer = setTimeout(() => {
      this.launch().catch((error: unknown) => {
        this.options.onExit(String(error));
        this.restartLater(failures + 1);
      });
    }, delay);
  }

  private advance(projection: string, position: bigint): void {
    if (position <= this.position(projection)) return;
    this.positions.set(projection, position);
    this.waiters.notify();
  }

  private send(message: ToProjectorThread): void {
    this.worker?.postMessage(message);
  }
}
