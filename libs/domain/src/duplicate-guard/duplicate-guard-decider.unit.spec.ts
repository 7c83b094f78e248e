import { DuplicateGuardEvent, duplicateGuardKey } from '@ledger/events';
import fc from 'fast-check';
import { meta } from '../testing/fixtures';
import { spec } from '../testing/decider-spec';
import { DomainError } from '../domain-error';
import { DuplicateGuardCommand, duplicateGuardDecider } from './duplicate-guard-decider';

const key = duplicateGuardKey({ iban: 'DE89370400440532013000' }, 'INV-1', {
  value: '10.00',
  currency: 'EUR',
});
const guard = spec(duplicateGuardDecider);
const reserve = (claimId: string): DuplicateGuardCommand => ({
  type: 'ReserveDuplicateGuard',
  data: { key, claimId },
  metadata: meta('alice'),
});
const release = (
  claimId: string,
  reason: 'rejected' | 'withdrawn' | 'cancelled' = 'rejected',
): DuplicateGuardCommand => ({
  type: 'ReleaseDuplicateGuard',
  data: { key, claimId, reason },
  metadata: meta('system'),
});
const reserved = (claimId: string): DuplicateGuardEvent => ({
  type: 'DuplicateGuardReserved',
  data: { key, claimId },
});
const released = (claimId: string): DuplicateGuardEvent => ({
  type: 'DuplicateGuardReleased',
  data: { key, claimId, reason: 'rejected' },
});

describe('duplicate guard decider', () => {
  it('reserves a free key', () => {
    guard
      .given([])
      .when(reserve('claim-1'))
      .then([reserved('claim-1')]);
  });

  it('is idempotent for the claim holding the key', () => {
    guard
      .given([reserved('claim-1')])
      .when(reserve('claim-1'))
      .then([]);
  });

  it('refuses another claim, naming the first', () => {
    const error = guard
      .given([reserved('claim-1')])
      .when(reserve('claim-2'))
      .thenThrows('CLAIM.DUPLICATE', { firstClaimId: 'claim-1' });
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain('claim-1');
  });

  it('refuses the same invoice to the same domestic account, however the account is typed', () => {
    const amount = { value: '10.00', currency: 'USD' };
    const domesticKey = duplicateGuardKey({ number: '000123456789', bankCode: '021000021' }, 'INV-1', amount);
    const retypedKey = duplicateGuardKey(
      { number: '0001 2345 6789', bankCode: ' 021000021' },
      'inv-1',
      amount,
    );
    expect(retypedKey).toBe(domesticKey);
    guard
      .given([{ type: 'DuplicateGuardReserved', data: { key: domesticKey, claimId: 'claim-1' } }])
      .when({
        type: 'ReserveDuplicateGuard',
        data: { key: retypedKey, claimId: 'claim-2' },
        metadata: meta('alice'),
      })
      .thenThrows('CLAIM.DUPLICATE', { firstClaimId: 'claim-1' });
    // Another bank's account with the same number is another payee: another key, so another guard stream.
    const otherBank = duplicateGuardKey({ number: '000123456789', bankCode: '026009593' }, 'INV-1', amount);
    expect(otherBank).not.toBe(domesticKey);
  });

  it('releases the key held by a rejected claim, so a corrected resubmission passes', () => {
    guard
      .given([reserved('claim-1')])
      .when(release('claim-1'))
      .then([released('claim-1')]);
    guard
      .given([reserved('claim-1'), released('claim-1')])
      .when(reserve('claim-2'))
      .then([reserved('claim-2')]);
  });

  it('ignores a release by a claim that does not hold the key, or a repeated one', () => {
    guard
      .given([reserved('claim-1')])
      .when(release('claim-2'))
      .then([]);
    guard
      .given([reserved('claim-1'), released('claim-1')])
      .when(release('claim-1'))
      .then([]);
    guard.given([]).when(release('claim-1')).then([]);
  });

  it('refuses invalid fields', () => {
    guard.given([]).when(reserve('')).thenThrows('DUPLICATE_GUARD.INVALID_FIELD', { field: 'claimId' });
    guard
      .given([reserved('claim-1')])
      .when({
        type: 'ReleaseDuplicateGuard',
        data: { key, claimId: 'claim-1', reason: 'paid' as 'rejected' },
        metadata: meta('system'),
      })
      .thenThrows('DUPLICATE_GUARD.INVALID_FIELD', { field: 'reason' });
  });

  it('never lets two claims hold the key at once (property)', () => {
    const command = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), claim: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('release' as const), claim: fc.integer({ min: 1, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        let state = duplicateGuardDecider.initialState();
        let holder: string | undefined;
        for (const c of commands) {
          const claimId = `claim-${c.claim}`;
          try {
            const events = duplicateGuardDecider.decide(
              c.kind === 'reserve' ? reserve(claimId) : release(claimId),
              state,
            );
            for (const e of events) {
              if (e.type === 'DuplicateGuardReserved') {
                expect(holder).toBeUndefined();
                holder = e.data.claimId;
              } else {
                expect(e.data.claimId).toBe(holder);
                holder = undefined;
              }
              state = duplicateGuardDecider.evolve(state, e);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
            expect((error as DomainError).details).toEqual({ firstClaimId: holder });
            expect(claimId).not.toBe(holder);
          }
        }
      }),
    );
  });
});
