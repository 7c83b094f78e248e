import { ClaimEvent } from '@ledger/events';
import { foldEvents } from '../decider';
import { paymentDecider } from '../payment/payment-decider';
import { dispatchedPayment, DOMESTIC, IBAN, meta, submittedClaim, TODAY } from '../testing/fixtures';
import { claimDecider } from './claim-decider';
import { paymentDispatchCommands } from './payment-dispatch';

const approvedClaim: ClaimEvent[] = [
  { type: 'ClaimSubmitted', data: submittedClaim() },
  {
    type: 'ClaimLevelApproved',
    data: { claimId: 'claim-1', level: 'manager', levelIndex: 0, approvedBy: 'bob' },
  },
  {
    type: 'ClaimApproved',
    data: { claimId: 'claim-1', approvals: [{ level: 'manager', approvedBy: 'bob' }] },
  },
];
const input = {
  paymentId: 'pay-1',
  batchId: 'batch-1',
  debtorAccount: { iban: IBAN.debtor },
  requestedExecutionDate: TODAY,
};

describe('paymentDispatchCommands', () => {
  it('builds both halves of a dispatch from the approved claim', () => {
    const claim = foldEvents(claimDecider, approvedClaim);
    const { markClaim, dispatch } = paymentDispatchCommands(claim, input, meta('trent', ['treasurer']));
    expect(claimDecider.decide(markClaim, claim)).toStrictEqual([
      {
        type: 'ClaimPaymentDispatched',
        data: { claimId: 'claim-1', paymentId: 'pay-1', batchId: 'batch-1', dispatchedBy: 'trent' },
      },
    ]);
    expect(paymentDecider.decide(dispatch, paymentDecider.initialState())).toStrictEqual([
      { type: 'PaymentDispatched', data: dispatchedPayment() },
    ]);
  });

  it('pays a domestic payee account from a domestic debtor account, as approved', () => {
    const domesticPayee = { name: 'Alice Martin', account: DOMESTIC.payee };
    const claim = foldEvents(claimDecider, [
      { type: 'ClaimSubmitted', data: submittedClaim({ payee: domesticPayee }) },
      ...approvedClaim.slice(1),
    ]);
    const { dispatch } = paymentDispatchCommands(
      claim,
      { ...input, debtorAccount: { number: '6222 0202 0011 2233', bankCode: '102100099996' } },
      meta('trent', ['treasurer']),
    );
    expect(paymentDecider.decide(dispatch, paymentDecider.initialState())).toStrictEqual([
      {
        type: 'PaymentDispatched',
        data: dispatchedPayment({ payee: domesticPayee, debtorAccount: DOMESTIC.debtor }),
      },
    ]);
  });

  it('lets both deciders refuse the claimant as treasurer', () => {
    const claim = foldEvents(claimDecider, approvedClaim);
    const { markClaim, dispatch } = paymentDispatchCommands(claim, input, meta('alice', ['treasurer']));
    expect(() => claimDecider.decide(markClaim, claim)).toThrow(
      expect.objectContaining({ code: 'PAYMENT.TREASURER_IS_CLAIMANT' }),
    );
    expect(() => paymentDecider.decide(dispatch, paymentDecider.initialState())).toThrow(
      expect.objectContaining({ code: 'PAYMENT.TREASURER_IS_CLAIMANT', kind: 'forbidden' }),
    );
  });

  it('refuses an unknown claim', () => {
    expect(() =>
      paymentDispatchCommands(claimDecider.initialState(), input, meta('trent', ['treasurer'])),
    ).toThrow(expect.objectContaining({ code: 'CLAIM.NOT_FOUND', kind: 'not_found' }));
  });
});
