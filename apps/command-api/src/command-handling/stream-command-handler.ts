import { Inject, Injectable } from '@nestjs/common';
import {
  currentSchemaVersion,
  DomainEvent,
  EVENT_STORE,
  EventStore,
  LedgerEvent,
  RecordedEvent,
  WrongExpectedVersionError,
} from '@ledger/events';
import { Command, Decider } from '@ledger/domain';
import { ProblemError } from '@ledger/infra';
import { CommandContext } from './command-context';
import { eventIdFor } from './command-identity';

export interface StreamView<State> {
  readonly streamId: string;
  readonly state: State;
  readonly events: readonly RecordedEvent[];
  /** Revision of the last event, -1n for a stream that does not exist. */
  readonly revision: bigint;
}

/** The outcome of one command on one stream. */
export interface Handled<State> {
  readonly state: State;
  /** Events this command appended (or had appended, for a retried request); empty when it changed nothing. */
  readonly events: readonly DomainEvent[];
  /** Global position of the last event written by this command, for read-your-writes; null if none. */
  readonly position: bigint | null;
  readonly revision: bigint;
  /** True when this was a retry of a request already carried out: nothing new was written. */
  readonly replayed: boolean;
}

/** Decided but not yet appended: lets a use case check several streams before writing any of them. */
export interface Prepared<State> {
  readonly view: StreamView<State>;
  /** The decider that folded `view`, under which the outcome is cached. */
  readonly decider: unknown;
  readonly decided: readonly DomainEvent[];
  readonly stateAfter: State;
  readonly replay?: Handled<State>;
  /** False when the stream is not worth keeping folded after the commit (see `ReadOptions`). */
  readonly remember?: boolean;
}

export interface ReadOptions {
  /** Read what the log holds now, adding to a copy held (see `read`). */
  readonly fresh?: boolean;
  /**
   * False for streams no command is likely to touch again soon: a batch dispatch reads and marks
   * hundreds of claims that wait for nothing more, and keeping them would push out the payments whose
   * receipts follow (and keep their events alive long enough to be copied into the old generation).
   */
  readonly remember?: boolean;
}

const MAX_ATTEMPTS = 5;

/** Streams whose folded state is kept between commands (a payment's receipts follow its dispatch). */
const CACHED_STREAMS = 10_000;

/** A stream as this process last read or wrote it, folded by one decider. */
interface CachedStream {
  readonly decider: unknown;
  readonly view: StreamView<unknown>;
}

/**
 * The one way commands change the ledger: read the stream, fold it with the decider, decide, append
 * with the expected revision. A conflict with a concurrent writer re-reads and decides again, so no
 * update is lost and a command that became invalid meanwhile is refused with the domain's own
 * reason. A refused command appends nothing.
 *
 * Streams this process read or wrote recently are kept folded, so a command on one of them decides
 * without reading it again. That is safe because every append names the revision it decided on: if
 * another process wrote the stream meanwhile, the append fails with a conflict, the cached copy is
 * dropped and the command is decided again on what the log holds.
 */
@Injectable()
export class StreamCommandHandler {
  private readonly cache = new Map<string, CachedStream>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /**
   * The stream folded by `decider`. Without `fresh`, a copy this process holds is trusted (enough for
   * a decision, which the append's expected revision checks); with it, events appended since by
   * anyone are read too, for answers that must be current.
   */
  async read<State, Event extends DomainEvent>(
    streamId: string,
    decider: Decider<State, never, Event>,
    options: ReadOptions = {},
  ): Promise<StreamView<State>> {
    const view = this.held(streamId, decider);
    let folded: StreamView<State>;
    if (view === undefined) folded = fold(streamId, decider, await this.store.readStream(streamId));
    else if (!options.fresh) folded = view;
    else {
      const newer = await this.store.readStream(streamId, { fromRevision: view.revision + 1n });
      folded = this.extend(view, decider, newer);
    }
    return this.keep(streamId, decider, folded, options.remember);
  }

  /**
   * `read` for several streams, those it must read taken from the log in one go (a batch command
   * reads hundreds). With `fresh`, every stream is read, and what a held copy lacks is added to it.
   */
  async readMany<State, Event extends DomainEvent>(
    streamIds: readonly string[],
    decider: Decider<State, never, Event>,
    options: ReadOptions = {},
  ): Promise<Array<StreamView<State>>> {
    // Taken before the read: a copy dropped meanwhile (a commit, an eviction) must not pass for a
    // stream that does not exist.
    const held = streamIds.map((id) => this.held(id, decider));
    const toRead = options.fresh ? streamIds : streamIds.filter((_, i) => held[i] === undefined);
    const read =
      toRead.length > 0 ? await this.store.readStreams(toRead) : new Map<string, RecordedEvent[]>();
    return streamIds.map((streamId, i) => {
      const view = held[i];
      const events = read.get(streamId) ?? [];
      const folded =
        view === undefined
          ? fold(streamId, decider, events)
          : this.extend(
              view,
              decider,
              events.filter((e) => e.revision > view.revision),
            );
      return this.keep(streamId, decider, folded, options.remember);
    });
  }

  async handle<State, C extends Command, Event extends DomainEvent>(
    streamId: string,
    decider: Decider<State, C, Event>,
    command: C,
    context: CommandContext,
  ): Promise<Handled<State>> {
    for (let attempt = 1; ; attempt++) {
      const prepared = await this.prepare(streamId, decider, command, context);
      if (prepared.replay) return prepared.replay;
      try {
        return await this.commit(prepared, context);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (context.ifMatch !== undefined) throw stale(streamId, context.ifMatch);
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Decides `command` on the stream: on `view` when given (just read by `readMany`), else on the copy
   * held, else on the log.
   */
  async prepare<State, C extends Command, Event extends DomainEvent>(
    streamId: string,
    decider: Decider<State, C, Event>,
    command: C,
    context: CommandContext,
    view: StreamView<State> | undefined = this.held(streamId, decider as Decider<State, never, Event>),
    options: Pick<ReadOptions, 'remember'> = {},
  ): Promise<Prepared<State>> {
    const folder = decider as Decider<State, never, Event>;
    const remember = options.remember ?? true;
    // `If-Match` compares with the log's revision, never a copy's.
    if (view !== undefined && context.ifMatch === undefined) {
      try {
        const prepared = this.decideOn(view, decider, command, context, remember);
        // Events to append are checked by the append's expected revision, and a replay found is in
        // the log for good. A refusal or a no-op is checked by nothing: it is decided again below on
        // what the log holds, in case another process moved the stream on.
        if (prepared.replay !== undefined || prepared.decided.length > 0) return prepared;
      } catch {
        // decided again below on the log
      }
    }
    const fresh = await this.read(streamId, folder, { fresh: true, remember });
    return this.decideOn(fresh, decider, command, context, remember);
  }

  private decideOn<State, C extends Command, Event extends DomainEvent>(
    view: StreamView<State>,
    decider: Decider<State, C, Event>,
    command: C,
    context: CommandContext,
    remember: boolean,
  ): Prepared<State> {
    const replay = this.replayOf(view, decider as Decider<State, never, Event>, context);
    if (replay) return { view, decider, decided: [], stateAfter: view.state, replay, remember };
    if (context.ifMatch !== undefined && view.revision !== context.ifMatch)
      throw stale(view.streamId, context.ifMatch);
    const decided = decider.decide(command, view.state);
    const stateAfter = decided.reduce((s, e) => decider.evolve(s, e), view.state);
    return { view, decider, decided, stateAfter, remember };
  }

  /** Appends what `prepare` decided, under the revision it read. Throws WrongExpectedVersionError on a race. */
  async commit<State>(prepared: Prepared<State>, context: CommandContext): Promise<Handled<State>> {
    const { view, decided, stateAfter } = prepared;
    if (prepared.replay) return prepared.replay;
    if (decided.length === 0) {
      return { state: view.state, events: [], position: null, revision: view.revision, replayed: false };
    }
    const events: LedgerEvent[] = decided.map((event, index) => ({
      type: event.type,
      data: event.data,
      metadata: {
        eventId: eventIdFor(
          context.metadata.commandId,
          view.streamId,
          context.requestHash,
          index,
          event.type,
        ),
        correlationId: context.correlationId,
        causationId: context.metadata.commandId,
        actor: context.metadata.actor,
        ...(context.idempotencyKey
          ? { idempotencyKey: context.idempotencyKey, requestHash: context.requestHash }
          : {}),
        occurredAt: context.metadata.now,
        schemaVersion: currentSchemaVersion(event.type),
      },
    }));
    // Whatever happens to the append, the cached copy may now be behind the log.
    this.cache.delete(view.streamId);
    const result = await this.store.appendToStream(view.streamId, events, {
      expectedRevision: view.revision === -1n ? 'no_stream' : view.revision,
    });
    if (events.length === 1 && prepared.remember !== false) {
      // One event: the append's position and revision are its own, so the cached copy is exact.
      // Built field by field, in the order the store decodes events (one shape for both; a spread
      // with fields added after it cost microseconds per receipt in map transitions).
      const [event] = events;
      const recorded: RecordedEvent = {
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        streamId: view.streamId,
        revision: result.nextExpectedRevision,
        position: result.position,
      };
      this.cache.set(view.streamId, {
        decider: prepared.decider,
        view: {
          streamId: view.streamId,
          state: stateAfter,
          events: [...view.events, recorded],
          revision: result.nextExpectedRevision,
        },
      });
    }
    return {
      state: stateAfter,
      events: decided,
      position: result.position,
      revision: result.nextExpectedRevision,
      replayed: false,
    };
  }

  private extend<State, Event extends DomainEvent>(
    view: StreamView<State>,
    decider: Decider<State, never, Event>,
    newer: readonly RecordedEvent[],
  ): StreamView<State> {
    if (newer.length === 0) return view;
    return {
      streamId: view.streamId,
      state: newer.reduce((s, e) => decider.evolve(s, e as unknown as Event), view.state),
      events: [...view.events, ...newer],
      revision: newer[newer.length - 1].revision,
    };
  }

  /** The copy of the stream this process holds, folded by `decider`; undefined if none. */
  private held<State, Event extends DomainEvent>(
    streamId: string,
    decider: Decider<State, never, Event>,
  ): StreamView<State> | undefined {
    const cached = this.cache.get(streamId);
    return cached !== undefined && cached.decider === decider
      ? (cached.view as StreamView<State>)
      : undefined;
  }

  /** `view`, kept as the copy of its stream unless `remember` is false (then any copy held is dropped). */
  private keep<State>(
    streamId: string,
    decider: unknown,
    view: StreamView<State>,
    remember: boolean | undefined,
  ): StreamView<State> {
    if (remember !== false) return this.remember(streamId, decider, view);
    this.cache.delete(streamId);
    return view;
  }

  /** Keeps `view` as the most recently used copy of its stream, forgetting the least recently used. */
  private remember<State>(streamId: string, decider: unknown, view: StreamView<State>): StreamView<State> {
    this.cache.delete(streamId);
    this.cache.set(streamId, { decider, view });
    if (this.cache.size > CACHED_STREAMS) this.cache.delete(this.cache.keys().next().value as string);
    return view;
  }

  /**
   * A request whose idempotency key this caller already used on this stream: the same request gets
   * the first outcome back; a different one under the same key is refused (422).
   */
  private replayOf<State, Event extends DomainEvent>(
    view: StreamView<State>,
    decider: Decider<State, never, Event>,
    context: CommandContext,
  ): Handled<State> | undefined {
    if (!context.idempotencyKey) return undefined;
    const earlier = view.events.filter(
      (e) =>
        e.metadata.idempotencyKey === context.idempotencyKey &&
        e.metadata.actor.subject === context.metadata.actor.subject,
    );
    if (earlier.length === 0) return undefined;
    if (earlier[0].metadata.requestHash !== context.requestHash) {
      throw new ProblemError(
        422,
        'IDEMPOTENCY.KEY_REUSED',
        'this Idempotency-Key was already used for a different request; use a new key for a new request',
      );
    }
    // The state right after the first request, so the retry sees the answer the first one got.
    const last = earlier[earlier.length - 1];
    const state = view.events
      .filter((e) => e.revision <= last.revision)
      .reduce((s, e) => decider.evolve(s, e as unknown as Event), decider.initialState());
    return {
      state,
      events: earlier.map((e) => ({ type: e.type, data: e.data })),
      position: last.position,
      revision: last.revision,
      replayed: true,
    };
  }
}

/** A stream's events folded from the decider's initial state. */
function fold<State, Event extends DomainEvent>(
  streamId: string,
  decider: Decider<State, never, Event>,
  events: readonly RecordedEvent[],
): StreamView<State> {
  const state = events.reduce((s, e) => decider.evolve(s, e as unknown as Event), decider.initialState());
  return { streamId, state, events, revision: events.length ? events[events.length - 1].revision : -1n };
}

function stale(streamId: string, ifMatch: bigint): ProblemError {
  return new ProblemError(
    412,
    'PRECONDITION.STALE',
    `${streamId} is no longer at revision ${ifMatch}; read it again before deciding`,
  );
}
