import { Actor } from '@ledger/events';

/**
 * One stream's behaviour as three pure functions (emmett's decider): fold the stream's events into a state
 * with `evolve`, then `decide` what a command adds. `decide` throws a `DomainError` to refuse a command and
 * returns `[]` when the command is an idempotent repeat.
 */
export interface Decider<State, Command, Event> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

/** Who asks, when, and under which id: the domain reads no clock and makes no ids. */
export interface CommandMetadata {
  readonly actor: Actor;
  /** ISO 8601 instant of the request, as the application saw it (UTC, `toISOString()` form). */
  readonly now: string;
  /** Unique per command; becomes the events' causation id. */
  readonly commandId: string;
}

export interface Command<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: CommandMetadata;
}

/** The state of a stream after `events`. */
export function foldEvents<State, Event>(
  decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>,
  events: readonly Event[],
): State {
  return events.reduce<State>((state, event) => decider.evolve(state, event), decider.initialState());
}

/** Exhaustiveness guard for the `default` branch of a switch over a union. */
export function assertNever(value: never, what: string): never {
  throw new TypeError(`unhandled ${what}: ${JSON.stringify(value)}`);
}
