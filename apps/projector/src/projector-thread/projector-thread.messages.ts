import type { EmbeddedReadStoreOptions } from '@ledger/infra';

/** The stores the thread opens: the same files as the process that starts it, never chosen from the environment. */
export interface ProjectorThreadData {
  readonly eventsFile: string;
  /** Whether the log is read through the ledger's upcasters (as the host reads it). */
  readonly upcast: boolean;
  readonly readStore: EmbeddedReadStoreOptions;
  /** How often the thread's subscriptions look for appends the host did not relay (the log's default if absent). */
  readonly pollIntervalMs?: number;
}

/** What the projector thread and the process that hosts it tell each other (positions as decimal strings). */
export type ToProjectorThread =
  { readonly kind: 'appended'; readonly head: string } | { readonly kind: 'stop' };

export type FromProjectorThread =
  | { readonly kind: 'started'; readonly positions: Readonly<Record<string, string | null>> }
  | { readonly kind: 'progress'; readonly projection: string; readonly position: string }
  | { readonly kind: 'failed'; readonly projection: string; readonly error: string }
  | { readonly kind: 'fatal'; readonly error: string };
