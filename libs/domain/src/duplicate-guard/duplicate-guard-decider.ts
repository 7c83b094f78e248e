import { DuplicateGuardEvent, DuplicateGuardReleasedData } from '@ledger/events';
import { assertNever, Command, Decider } from '../decider';
import { DomainError } from '../domain-error';
import { requireId, requireText } from '../validation';

/**
 * Claims a duplicate-guard key for a claim before its `ClaimSubmitted` is appended. The guard stream
 * (`duplicateGuardStreamId(key)`) is the uniqueness constraint an event store does not have: two
 * submissions race on its expected revision, and the loser is refused naming the first claim.
 */
export type ReserveDuplicateGuard = Command<
  'ReserveDuplicateGuard',
  { readonly key: string; readonly claimId: string }
>;

/**
 * Gives the key back when the holding claim will never be paid (rejected, withdrawn, or its payment
 * cancelled), so a corrected resubmission of the same invoice is allowed.
 */
export type ReleaseDuplicateGuard = Command<
  'ReleaseDuplicateGuard',
  { readonly key: string; readonly claimId: string; readonly reason: DuplicateGuardReleasedData['reason'] }
>;

export type DuplicateGuardCommand = ReserveDuplicateGuard | ReleaseDuplicateGuard;

export type DuplicateGuardState =
  | { readonly status: 'free' }
  | { readonly status: 'reserved'; readonly key: string; readonly claimId: string };

export type DuplicateGuardDecider = Decider<DuplicateGuardState, DuplicateGuardCommand, DuplicateGuardEvent>;

const RELEASE_REASONS: readonly string[] = ['rejected', 'withdrawn', 'cancelled'];

export const duplicateGuardDecider: DuplicateGuardDecider = {
  initialState: () => ({ status: 'free' }),
  evolve(state, event) {
    switch (event.type) {
      case 'DuplicateGuardReserved':
        return { status: 'reserved', key: event.data.key, claimId: event.data.claimId };
      case 'DuplicateGuardReleased':
        return state.status === 'reserved' && state.claimId === event.data.claimId
          ? { status: 'free' }
          : state;
      default:
        return assertNever(event, 'duplicate guard event');
    }
  },
  decide(command, state) {
    const key = requireText(command.data.key, 'key', 'DUPLICATE_GUARD.INVALID_FIELD', 512);
    const claimId = requireId(command.data.claimId, 'claimId', 'DUPLICATE_GUARD.INVALID_FIELD');
    switch (command.type) {
      case 'ReserveDuplicateGuard':
        if (state.status === 'free') return [{ type: 'DuplicateGuardReserved', data: { key, claimId } }];
        if (state.claimId === claimId) return []; // the same submission retried
        throw new DomainError(
          'CLAIM.DUPLICATE',
          `claim ${state.claimId} already has the same payee account, invoice number and amount`,
          { firstClaimId: state.claimId },
        );
      case 'ReleaseDuplicateGuard':
        if (!RELEASE_REASONS.includes(command.data.reason)) {
          throw new DomainError(
            'DUPLICATE_GUARD.INVALID_FIELD',
            'reason must be rejected, withdrawn or cancelled',
            {
              field: 'reason',
            },
          );
        }
        // Only the holder releases; anything else (a retry, a claim that never held the key) changes nothing.
        if (state.status !== 'reserved' || state.claimId !== claimId) return [];
        return [{ type: 'DuplicateGuardReleased', data: { key, claimId, reason: command.data.reason } }];
      default:
        return assertNever(command, 'duplicate guard command');
    }
  },
};
