import { LedgerEvent, RecordedEvent } from './envelope';

/**
 * What the writer expects of the stream before its append:
 * - `any`: no check;
 * - `no_stream`: the stream must not exist yet;
 * - `stream_exists`: the stream must have at least one event;
 * - a bigint: the revision of the stream's last event.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface AppendOptions {
  readonly expectedRevision: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event appended: the expected revision for the next append. */
  readonly nextExpectedRevision: bigint;
  /** Global position of the last event appended, for read-your-writes on the query side. */
  readonly position: bigint;
}

export interface ReadStreamOptions {
  /** First revision to read (inclusive); `start` by default, `end` reads backwards from the last one. */
  readonly fromRevision?: bigint | 'start' | 'end';
  readonly direction?: 'forwards' | 'backwards';
  readonly maxCount?: number;
}

/** Stream-name prefixes and event-type prefixes; an event passes if it matches any of both lists given. */
export interface EventFilter {
  readonly streamPrefixes?: readonly string[];
  readonly eventTypePrefixes?: readonly string[];
}

export interface ReadAllOptions {
  /** First position to read, inclusive; `start` by default. */
  readonly fromPosition?: bigint | 'start';
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

export interface SubscribeToAllOptions {
  /** Deliver events after this position (a stored checkpoint), or from the very start. */
  readonly fromPosition?: bigint | 'start';
  readonly filter?: EventFilter;
}

/**
 * An endless, ordered feed of the global log: it catches up from its position, then follows new
 * appends live with no gap and no reordering. Delivery is at least once: a subscriber that stores
 * the position of the last event it handled resumes from there after a restart.
 */
export interface AllSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export type AdapterHealth = {
  readonly status: 'up' | 'down';
  readonly adapter: string;
  readonly detail?: string;
};

export interface EventStore {
  /**
   * Appends all of `events` atomically, or none. A mismatch with `expectedRevision` throws
   * `WrongExpectedVersionError`. Appending the same event ids again with the same expected revision
   * returns the first result and writes nothing.
   */
  appendToStream(
    stream: string,
    events: readonly LedgerEvent[],
    options: AppendOptions,
  ): Promise<AppendResult>;
  /** Events of one stream; an empty array for a stream that does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Every event of each of `streams`, in revision order, by stream id (an empty array for a stream
   * that does not exist): what a batch command reads, in one query where the store can.
   */
  readStreams(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;
  /** Global position of the newest event, or -1n for an empty log. */
  headPosition(): Promise<bigint>;
  health(): Promise<AdapterHealth>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');

export class WrongExpectedVersionError extends Error {
  readonly code = 'EVENT_STORE.WRONG_EXPECTED_VERSION';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, `no_stream` if it does not exist. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export function matchesFilter(event: { streamId: string; type: string }, filter?: EventFilter): boolean {
  if (!filter) return true;
  const { streamPrefixes, eventTypePrefixes } = filter;
  if (streamPrefixes && !streamPrefixes.some((p) => event.streamId.startsWith(p))) return false;
  if (eventTypePrefixes && !eventTypePrefixes.some((p) => event.type.startsWith(p))) return false;
  return true;
}
