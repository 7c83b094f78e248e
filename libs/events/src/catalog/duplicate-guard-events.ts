import { DomainEvent } from './domain-event';

export interface DuplicateGuardReservedData {
  readonly key: string;
  readonly claimId: string;
}

export interface DuplicateGuardReleasedData {
  readonly key: string;
  readonly claimId: string;
  /** Why the holding claim gave the key back: it will never be paid. */
  readonly reason: 'rejected' | 'withdrawn' | 'cancelled';
}

export type DuplicateGuardReserved = DomainEvent<'DuplicateGuardReserved', DuplicateGuardReservedData>;
export type DuplicateGuardReleased = DomainEvent<'DuplicateGuardReleased', DuplicateGuardReleasedData>;

export type DuplicateGuardEvent = DuplicateGuardReserved | DuplicateGuardReleased;

export type DuplicateGuardEventType = DuplicateGuardEvent['type'];

export const DUPLICATE_GUARD_EVENT_SCHEMA_VERSIONS: { readonly [T in DuplicateGuardEventType]: number } = {
  DuplicateGuardReserved: 1,
  DuplicateGuardReleased: 1,
};

export const DUPLICATE_GUARD_EVENT_TYPES = Object.keys(
  DUPLICATE_GUARD_EVENT_SCHEMA_VERSIONS,
) as readonly DuplicateGuardEventType[];

export function isDuplicateGuardEvent(event: { readonly type: string }): event is DuplicateGuardEvent {
  return Object.prototype.hasOwnProperty.call(DUPLICATE_GUARD_EVENT_SCHEMA_VERSIONS, event.type);
}
