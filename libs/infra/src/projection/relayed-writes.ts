import { AdapterHealth } from '@ledger/events';
import {
  DocumentChange,
  DocumentRef,
  ReadModelDocument,
  ReadPage,
  ReadQuery,
  ReadStore,
} from '@ledger/projections';
import { EmbeddedReadStore, SerialisedChanges, serialiseChanges } from '../read-store/embedded-read-store';

/*
 * A parallel rebuild into the embedded read store writes through the main thread: each helper thread
 * serialises the documents of a commit and sends them in parts (`RelayedWrites`), and the main thread
 * writes each commit in one transaction, checkpoint included, through its own connection
 * (`writeRelayed`) and answers. The helpers never wait for each other's write lock (up to half a
 * second a flush), and the inserts run on the thread that would otherwise only wait.
 */

/**
 * Part of commit `id`; its last part carries the checkpoint (position in decimal), and the main thread
 * then writes them all and answers with a `RelayedWriteAnswer`.
 */
export interface RelayedWrite {
  readonly kind: 'write';
  readonly id: number;
  readonly changes: SerialisedChanges;
  readonly checkpoint?: { readonly projection: string; readonly position: string };
}

/** The main thread's answer to a commit's last part. */
export type RelayedWriteAnswer =
  | { readonly kind: 'written'; readonly id: number }
  | { readonly kind: 'writeFailed'; readonly id: number; readonly message: string };

/** Documents per message: their JSON dies young, a few MB at a time. */
const WRITE_CHUNK = 2000;

/** The end of a channel to the other thread (a `MessagePort`, or the worker seen from the main thread). */
interface Port {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: RelayedWriteAnswer) => void): unknown;
  off(event: 'message', listener: (message: RelayedWriteAnswer) => void): unknown;
}

/**
 * A helper thread's embedded read store, but for commits: their documents are serialised here and sent
 * to the main thread in parts. Reads (loads after an eviction, checkpoints) and resets go through this
 * thread's own connection. A commit resolves once the main thread has written it.
 */
export class RelayedWrites implements ReadStore {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private readonly onAnswer = (answer: RelayedWriteAnswer) => {
    const waiting = this.waiting.get(answer.id);
    if (waiting === undefined) return;
    this.waiting.delete(answer.id);
    if (answer.kind === 'written') waiting.resolve();
    else waiting.reject(new Error(`the main thread could not write: ${answer.message}`));
  };

  constructor(
    private readonly store: EmbeddedReadStore,
    private readonly port: Port,
  ) {
    port.on('message', this.onAnswer);
  }

  async commit(
    changes: readonly DocumentChange[],
    checkpoint: { readonly projection: string; readonly position: bigint },
  ): Promise<void> {
    const id = ++this.nextId;
    const written = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    try {
      for (let from = 0; ; from += WRITE_CHUNK) {
        const last = from + WRITE_CHUNK >= changes.length;
        const message: RelayedWrite = {
          kind: 'write',
          id,
          changes: serialiseChanges(changes.slice(from, from + WRITE_CHUNK)),
          ...(last
            ? { checkpoint: { projection: checkpoint.projection, position: String(checkpoint.position) } }
            : {}),
        };
        this.port.postMessage(message);
        if (last) break;
      }
    } catch (error) {
      // Nothing is written without the last part: the main thread drops the others with this thread.
      this.waiting.delete(id);
      throw error;
    }
    return written;
  }

  load(refs: readonly DocumentRef[]): Promise<Map<string, ReadModelDocument>> {
    return this.store.load(refs);
  }

  checkpoint(projection: string): Promise<bigint | null> {
    return this.store.checkpoint(projection);
  }

  get(collection: string, id: string): Promise<ReadModelDocument | undefined> {
    return this.store.get(collection, id);
  }

  find(collection: string, query: ReadQuery): Promise<ReadPage> {
    return this.store.find(collection, query);
  }

  reset(projection: string, collections: readonly string[]): Promise<void> {
    return this.store.reset(projection, collections);
  }

  health(): Promise<AdapterHealth> {
    return this.store.health();
  }

  async close(): Promise<void> {
    this.port.off('message', this.onAnswer);
    for (const { reject } of this.waiting.values()) reject(new Error('the read store was closed'));
    this.waiting.clear();
    await this.store.close();
  }
}

/**
 * The main thread's side: takes a helper's `write` messages and, at a commit's last part, writes the
 * commit through `writer` in one transaction and answers through `answer`.
 */
export function writeRelayed(
  writer: EmbeddedReadStore,
  answer: (message: RelayedWriteAnswer) => void,
): (message: RelayedWrite) => void {
  /** The parts of the helper's commits, by commit id, until the commit's last part. */
  const commits = new Map<number, SerialisedChanges[]>();
  return (message) => {
    let changes = commits.get(message.id);
    if (changes === undefined) commits.set(message.id, (changes = []));
    changes.push(message.changes);
    if (message.checkpoint === undefined) return;
    commits.delete(message.id);
    try {
      const { projection, position } = message.checkpoint;
      writer.commitSerialised(changes, { projection, position: BigInt(position) });
      answer({ kind: 'written', id: message.id });
    } catch (error) {
      answer({ kind: 'writeFailed', id: message.id, message: (error as Error).message });
    }
  };
}
