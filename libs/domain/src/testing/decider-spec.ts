import { Decider, foldEvents } from '../decider';
import { DomainError } from '../domain-error';

/**
 * given / when / then for deciders, with no test framework import (it throws `Error`s, which any runner
 * reports). `then` compares exactly (an `undefined` field is a difference) and checks that the events
 * survive a JSON round trip, as they must to be stored. State and events are frozen before `decide`, so a
 * decider that mutates them fails.
 *
 *   spec(claimDecider).given([submitted]).when(approve).then([levelApproved]);
 *   spec(claimDecider).given([]).when(approve).thenThrows('CLAIM.NOT_FOUND');
 */
export function spec<State, Command, Event>(decider: Decider<State, Command, Event>) {
  return {
    given(events: readonly Event[]) {
      return {
        when(command: Command) {
          const run = (): Event[] => {
            const state = deepFreeze(foldEvents(decider, deepFreeze(structuredClone(events))));
            return decider.decide(deepFreeze(structuredClone(command)), state);
          };
          return {
            then(expected: readonly Event[]): void {
              const actual = run();
              let roundTripped: unknown;
              try {
                roundTripped = JSON.parse(JSON.stringify(actual));
              } catch (error) {
                throw new Error(`events are not JSON-serialisable: ${String(error)}`);
              }
              assertSame(roundTripped, actual, 'events changed in a JSON round trip');
              assertSame(actual, expected, 'unexpected events');
            },
            thenThrows(code: string, details?: Readonly<Record<string, unknown>>): DomainError {
              let events: Event[];
              try {
                events = run();
              } catch (error) {
                if (!(error instanceof DomainError)) throw error;
                if (error.code !== code) {
                  throw new Error(`expected DomainError ${code}, got ${error.code}: ${error.message}`);
                }
                if (details !== undefined) {
                  for (const [key, value] of Object.entries(details)) {
                    assertSame(error.details?.[key], value, `details.${key}`);
                  }
                }
                return error;
              }
              throw new Error(`expected DomainError ${code}, got events ${show(events)}`);
            },
          };
        },
      };
    },
  };
}

function assertSame(actual: unknown, expected: unknown, what: string): void {
  if (!deepEqual(actual, expected))
    throw new Error(`${what}\nexpected: ${show(expected)}\nactual:   ${show(actual)}`);
}

/** Structural equality for plain data; a property set to `undefined` differs from a missing one. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every(
    (key) =>
      Object.prototype.hasOwnProperty.call(b, key) &&
      deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v), 2) ?? 'undefined';
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
