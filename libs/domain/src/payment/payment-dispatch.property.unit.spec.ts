import { PaymentEvent } from '@ledger/events';
import fc from 'fast-check';
import { DomainError } from '../domain-error';
import { CLAIMANT, DOMESTIC, IBAN, meta, TODAY } from '../testing/fixtures';
import { PaymentCommand } from './payment-commands';
import { PaymentState, paymentDecider } from './payment-decider';

const TRENT = { subject: 'trent', roles: ['treasurer'] };
const TINA = { subject: 'tina', roles: ['treasurer'] };
const CLAIMANT_AS_TREASURER = { subject: CLAIMANT, roles: ['treasurer'] };
const BANK = { subject: 'bank', roles: ['bank-connector'] };
// Mostly the right actor for the command, sometimes the wrong one, so refusals are exercised too.
const treasurerArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(TRENT, TINA) },
  { weight: 1, arbitrary: fc.constant(CLAIMANT_AS_TREASURER) },
  { weight: 1, arbitrary: fc.constant(BANK) },
);
const bankArb = fc.oneof(
  { weight: 9, arbitrary: fc.constant(BANK) },
  { weight: 1, arbitrary: fc.constant(TRENT) },
);
const batchArb = fc.constantFrom('b1', 'b2', 'b3', 'b4');
const receiptArb = fc.constantFrom('r1', 'r2', 'r3', 'r4');
const kindArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant('dispatch' as const) },
  { weight: 2, arbitrary: fc.constant('accept' as const) },
  { weight: 2, arbitrary: fc.constant('settle' as const) },
  { weight: 3, arbitrary: fc.constant('reject' as const) },
  { weight: 1, arbitrary: fc.constant('return' as const) },
  { weight: 3, arbitrary: fc.constant('redispatch' as const) },
  { weight: 1, arbitrary: fc.constant('cancel' as const) },
);
const commandArb = kindArb.chain((kind) =>
  fc.record({
    kind: fc.constant(kind),
    actor: ['dispatch', 'redispatch', 'cancel'].includes(kind) ? treasurerArb : bankArb,
    batchId: batchArb,
    receiptId: receiptArb,
    // Mostly absent, as most status reports are matched by payment id alone.
    outcomeBatch: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: batchArb },
    ),
    amount: fc.constantFrom('10.00', '250000.00'),
    // The payee account a redispatch asks for: mostly the approved one, sometimes another (refused).
    payeeAccount: fc.constantFrom('approved', 'approved', 'retyped', 'otherIban', 'domestic'),
  }),
);
type Step = typeof commandArb extends fc.Arbitrary<infer A> ? A : never;

function toCommand(step: Step): PaymentCommand {
  const metadata = meta(step.actor.subject, step.actor.roles);
  const outcome = {
    paymentId: 'pay-1',
    receiptId: step.receiptId,
    ...(step.outcomeBatch !== undefined ? { batchId: step.outcomeBatch } : {}),
  };
  switch (step.kind) {
    case 'dispatch':
      return {
        type: 'DispatchToBank',
        data: {
          paymentId: 'pay-1',
          claimId: 'claim-1',
          batchId: step.batchId,
          amount: { value: step.amount, currency: 'EUR' },
          payee: { name: 'Alice', account: { iban: IBAN.payee } },
          debtorAccount: { iban: IBAN.debtor },
          requestedExecutionDate: TODAY,
          claimant: CLAIMANT,
        },
        metadata,
      };
    case 'accept':
      return { type: 'RecordBankAcceptance', data: outcome, metadata };
    case 'settle':
      return { type: 'RecordBankSettlement', data: outcome, metadata };
    case 'reject':
      return { type: 'RecordBankRejection', data: { ...outcome, reasonCode: 'AC04' }, metadata };
    case 'return':
      return { type: 'RecordBankReturn', data: { ...outcome, reasonCode: 'MD07' }, metadata };
    case 'redispatch':
      return {
        type: 'RedispatchPayment',
        data: {
          paymentId: 'pay-1',
          batchId: step.batchId,
          correctedPayee: { name: 'Alice Martin', account: PAYEE_ACCOUNTS[step.payeeAccount] },
        },
        metadata,
      };
    default:
      return { type: 'CancelPayment', data: { paymentId: 'pay-1', reason: 'gave up' }, metadata };
  }
}

const PAYEE_ACCOUNTS = {
  approved: { iban: IBAN.payee },
  retyped: { iban: IBAN.payee.toLowerCase().replace(/(.{4})/g, '$1 ') },
  otherIban: { iban: IBAN.corrected },
  domestic: DOMESTIC.payee,
} as const;
const keepsApprovedAccount = (step: Step) =>
  step.payeeAccount === 'approved' || step.payeeAccount === 'retyped';

const isDispatch = (e: PaymentEvent) => e.type === 'PaymentDispatched' || e.type === 'PaymentRedispatched';

describe('payment dispatch (property)', () => {
  it('never dispatches a payment twice without a bank rejection in between, nor after a final state', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 5, maxLength: 40 }), (steps) => {
        let state: PaymentState = paymentDecider.initialState();
        const history: { event: PaymentEvent; step: Step }[] = [];
        for (const step of steps) {
          const before = state;
          let events: PaymentEvent[] = [];
          let refused: DomainError | undefined;
          try {
            events = paymentDecider.decide(toCommand(step), state);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            refused = error;
          }
          for (const event of events) {
            history.push({ event, step });
            state = paymentDecider.evolve(state, event);
          }
          // A bank receipt delivered again is a no-op, never an error.
          const outcomeKind = {
            accept: 'accepted',
            settle: 'settled',
            reject: 'rejected',
            return: 'returned',
          }[step.kind as string];
          if (
            step.actor.subject === 'bank' &&
            before.status !== 'not_dispatched' &&
            outcomeKind !== undefined &&
            before.receipts[step.receiptId] === outcomeKind
          ) {
            expect(refused).toBeUndefined();
            expect(events).toEqual([]);
          }
          // Completeness: the legitimate moves go through.
          const treasurer = step.actor.roles.includes('treasurer') && step.actor.subject !== CLAIMANT;
          if (step.kind === 'dispatch' && treasurer && before.status === 'not_dispatched') {
            expect(events[0]?.type).toBe('PaymentDispatched');
          }
          if (
            step.kind === 'redispatch' &&
            treasurer &&
            before.status === 'rejected' &&
            !before.batchIds.includes(step.batchId)
          ) {
            if (keepsApprovedAccount(step))
              expect(events.map((e) => e.type)).toEqual(['PaymentRedispatched']);
            else expect(refused?.code).toBe('PAYMENT.PAYEE_ACCOUNT_CHANGE_NEEDS_NEW_CLAIM');
          }
          if (
            step.kind === 'settle' &&
            step.actor.subject === 'bank' &&
            step.outcomeBatch === undefined &&
            (before.status === 'dispatched' || before.status === 'accepted') &&
            !(step.receiptId in before.receipts)
          ) {
            expect(events.map((e) => e.type)).toEqual(['PaymentSettled']);
          }
        }

        const types = history.map((h) => h.event.type);
        let rejectedSinceDispatch = true;
        let dispatches = 0;
        types.forEach((type, i) => {
          const event = history[i].event;
          if (isDispatch(event)) {
            expect(rejectedSinceDispatch).toBe(true);
            // Only the approved payee account is ever paid, whatever the treasurer asked for.
            expect(event.data.payee.account).toEqual({ iban: IBAN.payee });
            expect(type).toBe(dispatches === 0 ? 'PaymentDispatched' : 'PaymentRedispatched');
            expect(history[i].step.actor.subject).not.toBe(CLAIMANT);
            rejectedSinceDispatch = false;
            dispatches += 1;
          }
          if (type === 'PaymentRejectedByBank') rejectedSinceDispatch = true;
          if (type === 'LargePaymentAlertRaised') expect(types[i - 1]).toBe('PaymentDispatched');
          if (type === 'PaymentSettled' || type === 'PaymentReturned') rejectedSinceDispatch = false;
          // Final states: after settlement only a return; after a return or a cancellation nothing.
          if (type === 'PaymentReturned' || type === 'PaymentCancelled') expect(i).toBe(types.length - 1);
          if (type === 'PaymentSettled' && i < types.length - 1)
            expect(types.slice(i + 1)).toEqual(['PaymentReturned']);
          if (type === 'PaymentCancelled') expect(types[i - 1]).toBe('PaymentRejectedByBank');
          if (type === 'PaymentReturned') expect(types[i - 1]).toBe('PaymentSettled');
        });
        const receipts = history.flatMap((h) =>
          'receiptId' in h.event.data ? [h.event.data.receiptId] : [],
        );
        expect(new Set(receipts).size).toBe(receipts.length);
      }),
      { numRuns: 500 },
    );
  });
});
