import { ClaimEvent, parseMoney } from '@ledger/events';
import fc from 'fast-check';
import { DomainError } from '../domain-error';
import { parseApprovalPolicy, requiredApprovalLevels } from '../policy/approval-policy';
import { CLAIMANT, IBAN, meta } from '../testing/fixtures';
import { ClaimCommand } from './claim-commands';
import { ClaimState, createClaimDecider } from './claim-decider';

const ROLE_NAMES = ['manager', 'finance', 'cfo'] as const;
const PEOPLE = [CLAIMANT, 'bob', 'carol', 'dave', 'erin'];

const policyArb = fc
  .array(
    fc.record({
      bound: fc.integer({ min: 1, max: 100_000 }),
      levels: fc.array(fc.constantFrom(...ROLE_NAMES), { minLength: 1, maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((tiers) => {
    const sorted = [...new Map(tiers.map((t) => [t.bound, t])).values()].sort((a, b) => a.bound - b.bound);
    return parseApprovalPolicy({
      tiers: sorted.map((t, i) => ({
        upTo: i === sorted.length - 1 ? null : `${t.bound}.00`,
        levels: t.levels,
      })),
    });
  });

const attemptArb = fc.record({
  kind: fc.constantFrom('approve', 'approve', 'approve', 'approve', 'reject', 'withdraw'),
  subject: fc.constantFrom(...PEOPLE),
  roles: fc.subarray([...ROLE_NAMES, 'clerk']),
  level: fc.option(fc.constantFrom(...ROLE_NAMES), { nil: undefined }),
});
type Attempt = typeof attemptArb extends fc.Arbitrary<infer A> ? A : never;

function toCommand(attempt: Attempt): ClaimCommand {
  const metadata = meta(attempt.subject, attempt.roles);
  switch (attempt.kind) {
    case 'approve':
      return {
        type: 'ApprovePayment',
        data: { claimId: 'claim-1', ...(attempt.level ? { level: attempt.level } : {}) },
        metadata,
      };
    case 'reject':
      return { type: 'RejectClaim', data: { claimId: 'claim-1', reason: 'no' }, metadata };
    default:
      return { type: 'WithdrawClaim', data: { claimId: 'claim-1' }, metadata };
  }
}

/** Runs the attempts; returns the history with, for each event, the attempt that produced it. */
function run(policyDecider: ReturnType<typeof createClaimDecider>, amount: string, attempts: Attempt[]) {
  const decider = policyDecider;
  const history: { event: ClaimEvent; attempt?: Attempt }[] = [];
  let state: ClaimState = decider.initialState();
  const submit: ClaimCommand = {
    type: 'SubmitClaim',
    data: {
      claimId: 'claim-1',
      payee: { name: 'Alice', account: { iban: IBAN.payee } },
      amount: { value: amount, currency: 'EUR' },
      costCenter: 'CC',
      category: 'travel',
      description: 'trip',
    },
    metadata: meta(CLAIMANT),
  };
  for (const event of decider.decide(submit, state)) {
    history.push({ event });
    state = decider.evolve(state, event);
  }
  for (const attempt of attempts) {
    const before = state;
    let events: ClaimEvent[] = [];
    try {
      events = decider.decide(toCommand(attempt), state);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
    for (const event of events) {
      history.push({ event, attempt });
      state = decider.evolve(state, event);
    }
    // Completeness: an approval that breaks no rule must go through.
    if (attempt.kind === 'approve' && before.status === 'pending_approval') {
      const pending = before.claim.requiredLevels[before.approvals.length];
      const allowed =
        attempt.subject !== CLAIMANT &&
        !before.approvals.some((a) => a.approvedBy === attempt.subject) &&
        attempt.roles.includes(pending) &&
        (attempt.level === undefined || attempt.level === pending);
      expect(events.length > 0).toBe(allowed);
    }
  }
  return history;
}

describe('claim approvals (property)', () => {
  it('an approved claim has exactly its policy levels, in order, by distinct people other than the claimant', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 1, max: 20_000_000 }),
        fc.array(attemptArb, { maxLength: 25 }),
        (policy, cents, attempts) => {
          const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
          const history = run(createClaimDecider({ approvalPolicy: policy }), amount, attempts);
          const required = requiredApprovalLevels(policy, parseMoney({ value: amount, currency: 'EUR' }));
          const submitted = history[0].event;
          expect(submitted.type === 'ClaimSubmitted' && submitted.data.requiredLevels).toEqual(required);

          const levelApprovals = history.filter((h) => h.event.type === 'ClaimLevelApproved');
          const approvers = levelApprovals.map((h) =>
            h.event.type === 'ClaimLevelApproved' ? h.event.data.approvedBy : '',
          );
          // Whatever happened: levels are a prefix of the required ones, in order, each by a distinct
          // non-claimant who held the level's role at the time.
          levelApprovals.forEach((h, i) => {
            if (h.event.type !== 'ClaimLevelApproved') return;
            expect(h.event.data.level).toBe(required[i]);
            expect(h.event.data.levelIndex).toBe(i);
            expect(h.attempt?.subject).toBe(h.event.data.approvedBy);
            expect(h.attempt?.roles).toContain(required[i]);
          });
          expect(new Set(approvers).size).toBe(approvers.length);
          expect(approvers).not.toContain(CLAIMANT);

          const approvedAt = history.findIndex((h) => h.event.type === 'ClaimApproved');
          const closedAt = history.findIndex(
            (h) => h.event.type === 'ClaimRejected' || h.event.type === 'ClaimWithdrawn',
          );
          if (approvedAt >= 0) {
            const approved = history[approvedAt].event;
            expect(levelApprovals).toHaveLength(required.length);
            expect(approvedAt).toBe(history.length - 1); // nothing after approval in this stream
            expect(approved.type === 'ClaimApproved' && approved.data.approvals).toEqual(
              required.map((level, i) => ({ level, approvedBy: approvers[i] })),
            );
            expect(closedAt).toBe(-1);
          } else {
            expect(levelApprovals.length).toBeLessThanOrEqual(required.length - (closedAt >= 0 ? 0 : 1));
          }
          if (closedAt >= 0) {
            expect(closedAt).toBe(history.length - 1); // a closed claim takes no more events
            const closed = history[closedAt];
            if (closed.event.type === 'ClaimWithdrawn') {
              expect(closed.attempt?.subject).toBe(CLAIMANT);
              expect(levelApprovals).toHaveLength(0);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('distinct approvers holding the right roles, in order, always get a claim approved', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 20_000_000 }), (policy, cents) => {
        const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
        const required = requiredApprovalLevels(policy, parseMoney({ value: amount, currency: 'EUR' }));
        const attempts: Attempt[] = required.map((level, i) => ({
          kind: 'approve',
          subject: PEOPLE[i + 1],
          roles: [level],
          level: level as Attempt['level'],
        }));
        const history = run(createClaimDecider({ approvalPolicy: policy }), amount, attempts);
        expect(history.map((h) => h.event.type)).toEqual([
          'ClaimSubmitted',
          ...required.map(() => 'ClaimLevelApproved'),
          'ClaimApproved',
        ]);
      }),
    );
  });
});
