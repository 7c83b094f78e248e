import { PaymentEvent } from '@ledger/events';
import { parseLargePaymentAlertPolicy } from '../policy/large-payment-alert-policy';
import { spec } from '../testing/decider-spec';
import { CLAIMANT, dispatchedPayment, DOMESTIC, IBAN, meta, TODAY } from '../testing/fixtures';
import { DispatchToBank, PaymentCommand } from './payment-commands';
import { createPaymentDecider, paymentDecider } from './payment-decider';

const payment = spec(paymentDecider);
const TREASURER = ['treasurer'];
const BANK = ['bank-connector'];

const dispatch = (
  data: Partial<DispatchToBank['data']> = {},
  subject = 'trent',
  roles = TREASURER,
): DispatchToBank => ({
  type: 'DispatchToBank',
  data: {
    paymentId: 'pay-1',
    claimId: 'claim-1',
    batchId: 'batch-1',
    amount: { value: '1234.50', currency: 'EUR' },
    payee: { name: 'Alice Martin', account: { iban: IBAN.payee } },
    debtorAccount: { iban: 'gb33 bukb 2020 1555 5555 55' },
    requestedExecutionDate: TODAY,
    claimant: CLAIMANT,
    ...data,
  },
  metadata: meta(subject, roles),
});
const accept = (receiptId = 'r-1', batchId?: string): PaymentCommand => ({
  type: 'RecordBankAcceptance',
  data: { paymentId: 'pay-1', receiptId, ...(batchId ? { batchId } : {}) },
  metadata: meta('bank-connector', BANK),
});
const settle = (receiptId = 'r-2', bankReference?: string): PaymentCommand => ({
  type: 'RecordBankSettlement',
  data: { paymentId: 'pay-1', receiptId, ...(bankReference ? { bankReference } : {}) },
  metadata: meta('bank-connector', BANK),
});
const rejectByBank = (receiptId = 'r-3', reasonCode = 'AC04', reasonText?: string): PaymentCommand => ({
  type: 'RecordBankRejection',
  data: { paymentId: 'pay-1', receiptId, reasonCode, ...(reasonText ? { reasonText } : {}) },
  metadata: meta('bank-connector', BANK),
});
const returnByBank = (receiptId = 'r-4', reasonCode = 'MD07'): PaymentCommand => ({
  type: 'RecordBankReturn',
  data: { paymentId: 'pay-1', receiptId, reasonCode, reasonText: 'Beneficiary deceased' },
  metadata: meta('bank-connector', BANK),
});
const failDispatch = (receiptId = 'failed:batch-1', attempts = 5): PaymentCommand => ({
  type: 'RecordDispatchFailure',
  data: { paymentId: 'pay-1', receiptId, attempts, reason: 'bank timed out', batchId: 'batch-1' },
  metadata: meta('bank-connector', BANK),
});
const redispatch = (
  data: Partial<Extract<PaymentCommand, { type: 'RedispatchPayment' }>['data']> = {},
  subject = 'trent',
): PaymentCommand => ({
  type: 'RedispatchPayment',
  data: { paymentId: 'pay-1', batchId: 'batch-2', ...data },
  metadata: meta(subject, TREASURER),
});
const cancel = (roles = TREASURER): PaymentCommand => ({
  type: 'CancelPayment',
  data: { paymentId: 'pay-1', reason: 'Payee unreachable' },
  metadata: meta('trent', roles),
});

const dispatched: PaymentEvent = { type: 'PaymentDispatched', data: dispatchedPayment() };
const outcome = { paymentId: 'pay-1', claimId: 'claim-1', attempt: 1 };
const accepted: PaymentEvent = { type: 'PaymentAcceptedByBank', data: { ...outcome, receiptId: 'r-1' } };
const settled: PaymentEvent = { type: 'PaymentSettled', data: { ...outcome, receiptId: 'r-2' } };
const rejected: PaymentEvent = {
  type: 'PaymentRejectedByBank',
  data: { ...outcome, receiptId: 'r-3', reasonCode: 'AC04', reasonText: 'Closed account number' },
};
const returned: PaymentEvent = {
  type: 'PaymentReturned',
  data: { ...outcome, receiptId: 'r-4', reasonCode: 'MD07', reasonText: 'Beneficiary deceased' },
};
const cancelled: PaymentEvent = {
  type: 'PaymentCancelled',
  data: { paymentId: 'pay-1', claimId: 'claim-1', cancelledBy: 'trent', reason: 'Payee unreachable' },
};
const failed: PaymentEvent = {
  type: 'PaymentDispatchFailed',
  data: {
    ...outcome,
    receiptId: 'failed:batch-1',
    batchId: 'batch-1',
    attempts: 5,
    reason: 'bank timed out',
  },
};
const redispatched: PaymentEvent = {
  type: 'PaymentRedispatched',
  data: { ...dispatchedPayment({ batchId: 'batch-2', attempt: 2 }), corrected: [] },
};

describe('payment decider', () => {
  describe('DispatchToBank', () => {
    it('dispatches with normalised accounts, by the acting treasurer', () => {
      payment.given([]).when(dispatch()).then([dispatched]);
    });

    it('dispatches from a domestic debtor account to a domestic payee account, normalised', () => {
      payment
        .given([])
        .when(
          dispatch({
            payee: { name: 'Alice Martin', account: { number: '0001 2345 6789', bankCode: '021000021' } },
            debtorAccount: { number: ' 6222 0202 0011 2233', bankCode: '102100099996', bic: 'icbkcnbjxxx' },
          }),
        )
        .then([
          {
            type: 'PaymentDispatched',
            data: dispatchedPayment({
              payee: { name: 'Alice Martin', account: DOMESTIC.payee },
              debtorAccount: { ...DOMESTIC.debtor, bic: 'ICBKCNBJXXX' },
            }),
          },
        ]);
    });

    it('refuses a debtor account in both forms, in neither, or with a number but no bank code', () => {
      payment
        .given([])
        .when(dispatch({ debtorAccount: { iban: IBAN.debtor, ...DOMESTIC.debtor } as never }))
        .thenThrows('PAYMENT.INVALID_ACCOUNT', { field: 'debtorAccount' });
      payment
        .given([])
        .when(dispatch({ debtorAccount: {} as never }))
        .thenThrows('PAYMENT.INVALID_ACCOUNT', { field: 'debtorAccount' });
      payment
        .given([])
        .when(dispatch({ debtorAccount: { number: DOMESTIC.debtor.number } as never }))
        .thenThrows('PAYMENT.INVALID_ACCOUNT', { field: 'debtorAccount.bankCode' });
    });

    it('raises a large payment alert above the threshold, not at it', () => {
      const big = { value: '100000.01', currency: 'EUR' };
      payment
        .given([])
        .when(dispatch({ amount: big }))
        .then([
          { type: 'PaymentDispatched', data: dispatchedPayment({ amount: big }) },
          {
            type: 'LargePaymentAlertRaised',
            data: { paymentId: 'pay-1', claimId: 'claim-1', amount: big, threshold: '100000.00' },
          },
        ]);
      const atThreshold = { value: '100000.00', currency: 'EUR' };
      payment
        .given([])
        .when(dispatch({ amount: atThreshold }))
        .then([{ type: 'PaymentDispatched', data: dispatchedPayment({ amount: atThreshold }) }]);
    });

    it('uses the per-currency threshold when configured', () => {
      const decider = createPaymentDecider({
        largePaymentAlertPolicy: parseLargePaymentAlertPolicy({
          defaultThreshold: null,
          perCurrency: { JPY: '1000000' },
        }),
      });
      const yen = { value: '1500000', currency: 'JPY' };
      spec(decider)
        .given([])
        .when(dispatch({ amount: yen }))
        .then([
          { type: 'PaymentDispatched', data: dispatchedPayment({ amount: yen }) },
          {
            type: 'LargePaymentAlertRaised',
            data: { paymentId: 'pay-1', claimId: 'claim-1', amount: yen, threshold: '1000000' },
          },
        ]);
      spec(decider).given([]).when(dispatch()).then([dispatched]);
    });

    it('is idempotent for the same batch', () => {
      payment.given([dispatched]).when(dispatch()).then([]);
    });

    it('refuses a second dispatch, whatever the status, even after a rejection', () => {
      payment
        .given([dispatched])
        .when(dispatch({ batchId: 'batch-9' }))
        .thenThrows('PAYMENT.ALREADY_DISPATCHED');
      payment
        .given([dispatched, settled])
        .when(dispatch({ batchId: 'batch-9' }))
        .thenThrows('PAYMENT.ALREADY_DISPATCHED');
      payment
        .given([dispatched, rejected])
        .when(dispatch({ batchId: 'batch-9' }))
        .thenThrows('PAYMENT.ALREADY_DISPATCHED', { status: 'rejected' });
    });

    it('refuses the claimant as treasurer, and a non-treasurer', () => {
      payment.given([]).when(dispatch({}, CLAIMANT)).thenThrows('PAYMENT.TREASURER_IS_CLAIMANT');
      payment
        .given([])
        .when(dispatch({}, 'bob', ['manager']))
        .thenThrows('PAYMENT.TREASURER_ROLE_REQUIRED');
    });

    it('refuses an execution date in the past or not a date', () => {
      payment
        .given([])
        .when(dispatch({ requestedExecutionDate: '2025-03-13' }))
        .thenThrows('PAYMENT.EXECUTION_DATE_IN_PAST');
      payment
        .given([])
        .when(dispatch({ requestedExecutionDate: '2025-02-30' }))
        .thenThrows('PAYMENT.INVALID_FIELD', { field: 'requestedExecutionDate' });
    });

    it('refuses invalid accounts, amounts and ids', () => {
      payment
        .given([])
        .when(dispatch({ debtorAccount: { iban: 'GB00BUKB20201555555555' } }))
        .thenThrows('PAYMENT.INVALID_ACCOUNT', { field: 'debtorAccount.iban' });
      payment
        .given([])
        .when(dispatch({ amount: { value: '-1', currency: 'EUR' } }))
        .thenThrows('PAYMENT.INVALID_AMOUNT');
      payment
        .given([])
        .when(dispatch({ batchId: '' }))
        .thenThrows('PAYMENT.INVALID_FIELD', { field: 'batchId' });
    });
  });

  describe('bank outcomes', () => {
    it('records acceptance then settlement', () => {
      payment.given([dispatched]).when(accept()).then([accepted]);
      payment
        .given([dispatched, accepted])
        .when(settle('r-2', 'BANKREF-9'))
        .then([
          { type: 'PaymentSettled', data: { ...outcome, receiptId: 'r-2', bankReference: 'BANKREF-9' } },
        ]);
    });

    it('settles without a prior acceptance (the acceptance is implied)', () => {
      payment.given([dispatched]).when(settle()).then([settled]);
    });

    it('records a rejection, with the standard name when the bank sends no text', () => {
      payment.given([dispatched]).when(rejectByBank()).then([rejected]);
      payment
        .given([dispatched, accepted])
        .when(rejectByBank('r-3', 'AM04', 'Insufficient funds on debtor account'))
        .then([
          {
            type: 'PaymentRejectedByBank',
            data: {
              ...outcome,
              receiptId: 'r-3',
              reasonCode: 'AM04',
              reasonText: 'Insufficient funds on debtor account',
            },
          },
        ]);
    });

    it('records a return after settlement', () => {
      payment.given([dispatched, settled]).when(returnByBank()).then([returned]);
    });

    it('is idempotent by receipt id', () => {
      payment.given([dispatched, accepted]).when(accept('r-1')).then([]);
      payment.given([dispatched, settled]).when(settle('r-2')).then([]);
      payment.given([dispatched, rejected]).when(rejectByBank('r-3')).then([]);
      payment.given([dispatched, settled, returned]).when(returnByBank('r-4')).then([]);
    });

    it('refuses a receipt id already recorded with another outcome', () => {
      payment
        .given([dispatched, accepted])
        .when(settle('r-1'))
        .thenThrows('PAYMENT.RECEIPT_CONFLICT', { recordedOutcome: 'accepted' });
    });

    it('refuses an outcome for a payment never dispatched', () => {
      payment.given([]).when(accept()).thenThrows('PAYMENT.NOT_FOUND');
    });

    it('takes an acceptance that arrives after the settlement as implied: nothing to record', () => {
      payment.given([dispatched, settled]).when(accept('r-9')).then([]);
      payment.given([dispatched, settled, returned]).when(accept('r-9')).then([]);
      payment.given([dispatched, rejected]).when(accept('r-9')).thenThrows('PAYMENT.OUTCOME_OUT_OF_ORDER');
    });

    it('refuses an outcome that does not follow', () => {
      payment.given([dispatched]).when(returnByBank()).thenThrows('PAYMENT.OUTCOME_OUT_OF_ORDER');
      payment.given([dispatched, accepted]).when(accept('r-9')).thenThrows('PAYMENT.OUTCOME_OUT_OF_ORDER');
      payment
        .given([dispatched, rejected])
        .when(settle('r-9'))
        .thenThrows('PAYMENT.OUTCOME_OUT_OF_ORDER', { status: 'rejected' });
    });

    it('refuses anything after a final state but a return after settlement', () => {
      payment.given([dispatched, settled]).when(rejectByBank('r-9')).thenThrows('PAYMENT.ALREADY_FINAL');
      payment
        .given([dispatched, settled, returned])
        .when(returnByBank('r-9'))
        .thenThrows('PAYMENT.ALREADY_FINAL');
      payment
        .given([dispatched, rejected, cancelled])
        .when(settle('r-9'))
        .thenThrows('PAYMENT.ALREADY_FINAL', { status: 'cancelled' });
    });

    it('refuses an outcome for an earlier attempt', () => {
      payment
        .given([dispatched, rejected, redispatched])
        .when(accept('r-5', 'batch-1'))
        .thenThrows('PAYMENT.OUTCOME_FOR_OTHER_ATTEMPT');
      payment
        .given([dispatched, rejected, redispatched])
        .when(accept('r-5', 'batch-2'))
        .then([{ type: 'PaymentAcceptedByBank', data: { ...outcome, attempt: 2, receiptId: 'r-5' } }]);
    });

    it('refuses a malformed reason code', () => {
      payment
        .given([dispatched])
        .when(rejectByBank('r-3', 'closed'))
        .thenThrows('PAYMENT.INVALID_REASON_CODE');
    });

    it('refuses anyone but the bank connector', () => {
      payment
        .given([dispatched])
        .when({ ...accept(), metadata: meta('trent', TREASURER) })
        .thenThrows('PAYMENT.BANK_CONNECTOR_ROLE_REQUIRED');
    });
  });

  describe('RecordDispatchFailure', () => {
    it('marks a dispatched payment failed, once per receipt', () => {
      payment.given([dispatched]).when(failDispatch()).then([failed]);
      payment.given([dispatched, failed]).when(failDispatch()).then([]);
    });

    it('refuses once the bank has answered for the payment', () => {
      payment.given([dispatched, accepted]).when(failDispatch()).thenThrows('PAYMENT.OUTCOME_OUT_OF_ORDER');
      payment.given([dispatched, settled]).when(failDispatch()).thenThrows('PAYMENT.ALREADY_FINAL');
    });

    it('refuses a failure reported for an earlier attempt, a bad count, and anyone but the connector', () => {
      payment
        .given([dispatched, rejected, redispatched])
        .when(failDispatch())
        .thenThrows('PAYMENT.OUTCOME_FOR_OTHER_ATTEMPT');
      payment
        .given([dispatched])
        .when({ ...failDispatch(), data: { ...failDispatch().data, attempts: 0 } } as PaymentCommand)
        .thenThrows('PAYMENT.INVALID_FIELD', { field: 'attempts' });
      payment
        .given([dispatched])
        .when({ ...failDispatch(), metadata: meta('trent', TREASURER) })
        .thenThrows('PAYMENT.BANK_CONNECTOR_ROLE_REQUIRED');
    });

    it('records what the bank says of an attempt the connector gave up on: it may have got there', () => {
      payment.given([dispatched, failed]).when(accept()).then([accepted]);
      payment.given([dispatched, failed]).when(settle()).then([settled]);
      payment.given([dispatched, failed, accepted]).when(settle()).then([settled]);
      payment.given([dispatched, failed]).when(rejectByBank()).then([rejected]);
      // Not a return: nothing was settled to return.
      payment.given([dispatched, failed]).when(returnByBank()).thenThrows('PAYMENT.OUTCOME_OUT_OF_ORDER');
      // Once settled, it is no longer resendable.
      payment.given([dispatched, failed, settled]).when(redispatch()).thenThrows('PAYMENT.ALREADY_FINAL');
    });

    it('lets the treasurer redispatch or cancel a failed payment, and the bank report on the new attempt', () => {
      payment.given([dispatched, failed]).when(redispatch()).then([redispatched]);
      payment.given([dispatched, failed]).when(cancel()).then([cancelled]);
      payment
        .given([dispatched, failed, redispatched])
        .when(settle('r-7'))
        .then([{ type: 'PaymentSettled', data: { ...outcome, attempt: 2, receiptId: 'r-7' } }]);
    });
  });

  describe('RedispatchPayment', () => {
    it('sends a rejected payment again under a new batch', () => {
      payment.given([dispatched, rejected]).when(redispatch()).then([redispatched]);
    });

    it('carries the corrections, normalised, and says what changed', () => {
      payment
        .given([dispatched, rejected])
        .when(
          redispatch(
            {
              correctedPayee: { name: ' Alice B. Martin ', account: { iban: 'de89 3704 0044 0532 0130 00' } },
              correctedDebtorAccount: { iban: IBAN.otherDebtor },
              requestedExecutionDate: '2025-03-17',
            },
            'tina',
          ),
        )
        .then([
          {
            type: 'PaymentRedispatched',
            data: {
              ...dispatchedPayment({
                batchId: 'batch-2',
                attempt: 2,
                payee: { name: 'Alice B. Martin', account: { iban: IBAN.payee } },
                debtorAccount: { iban: IBAN.otherDebtor },
                requestedExecutionDate: '2025-03-17',
                dispatchedBy: 'tina',
              }),
              corrected: ['payee', 'debtorAccount', 'requestedExecutionDate'],
            },
          },
        ]);
    });

    it('does not count the approved payee account, retyped, as a correction', () => {
      payment
        .given([dispatched, rejected])
        .when(
          redispatch({
            correctedPayee: { name: 'Alice Martin', account: { iban: 'de89370400440532013000' } },
          }),
        )
        .then([redispatched]);
    });

    it('lets the debtor account change to the domestic form', () => {
      payment
        .given([dispatched, rejected])
        .when(
          redispatch({ correctedDebtorAccount: { number: '6222 0202 0011 2233', bankCode: '102100099996' } }),
        )
        .then([
          {
            type: 'PaymentRedispatched',
            data: {
              ...dispatchedPayment({ batchId: 'batch-2', attempt: 2, debtorAccount: DOMESTIC.debtor }),
              corrected: ['debtorAccount'],
            },
          },
        ]);
    });

    it('refuses to send the money to another payee account than the approved one', () => {
      const domesticPayment: PaymentEvent = {
        type: 'PaymentDispatched',
        data: dispatchedPayment({ payee: { name: 'Alice Martin', account: DOMESTIC.payee } }),
      };
      const otherAccounts: [PaymentEvent, PaymentCommand][] = [
        [
          dispatched,
          redispatch({ correctedPayee: { name: 'Alice Martin', account: { iban: IBAN.corrected } } }),
        ],
        [dispatched, redispatch({ correctedPayee: { name: 'Alice Martin', account: DOMESTIC.payee } })],
        // Same IBAN, another bank identifier: the BIC routes the money, so it is part of what was approved.
        [
          dispatched,
          redispatch({
            correctedPayee: { name: 'Alice Martin', account: { iban: IBAN.payee, bic: 'COBADEFFXXX' } },
          }),
        ],
        [
          domesticPayment,
          redispatch({
            correctedPayee: { name: 'Alice Martin', account: { ...DOMESTIC.payee, bankCode: '026009593' } },
          }),
        ],
        [
          domesticPayment,
          redispatch({
            correctedPayee: { name: 'Alice Martin', account: { ...DOMESTIC.payee, number: '000123456780' } },
          }),
        ],
        [
          domesticPayment,
          redispatch({ correctedPayee: { name: 'Alice Martin', account: { iban: IBAN.payee } } }),
        ],
      ];
      for (const [first, command] of otherAccounts) {
        const error = payment
          .given([first, rejected])
          .when(command)
          .thenThrows('PAYMENT.PAYEE_ACCOUNT_CHANGE_NEEDS_NEW_CLAIM', {
            paymentId: 'pay-1',
            claimId: 'claim-1',
            field: 'correctedPayee.account',
          });
        expect(error.kind).toBe('forbidden');
        expect(error.message).toContain('new claim');
      }
    });

    it('compares with the approved account, not with an earlier attempt that changed it', () => {
      // Written before the rule existed: attempt 2 went to another account. Attempt 3 cannot keep it.
      const changedBefore: PaymentEvent = {
        type: 'PaymentRedispatched',
        data: {
          ...dispatchedPayment({
            batchId: 'batch-2',
            attempt: 2,
            payee: { name: 'Alice Martin', account: { iban: IBAN.corrected } },
          }),
          corrected: ['payee'],
        },
      };
      const rejectedAgain: PaymentEvent = {
        type: 'PaymentRejectedByBank',
        data: {
          ...outcome,
          attempt: 2,
          receiptId: 'r-5',
          reasonCode: 'AC04',
          reasonText: 'Closed account number',
        },
      };
      payment
        .given([dispatched, rejected, changedBefore, rejectedAgain])
        .when(redispatch({ batchId: 'batch-3' }))
        .thenThrows('PAYMENT.PAYEE_ACCOUNT_CHANGE_NEEDS_NEW_CLAIM');
      payment
        .given([dispatched, rejected, changedBefore, rejectedAgain])
        .when(
          redispatch({
            batchId: 'batch-3',
            correctedPayee: { name: 'Alice Martin', account: { iban: IBAN.payee } },
          }),
        )
        .then([
          {
            type: 'PaymentRedispatched',
            data: { ...dispatchedPayment({ batchId: 'batch-3', attempt: 3 }), corrected: ['payee'] },
          },
        ]);
    });

    it('is idempotent for the batch of the current attempt', () => {
      payment.given([dispatched, rejected, redispatched]).when(redispatch()).then([]);
    });

    it('refuses a payment that is not rejected', () => {
      payment
        .given([dispatched])
        .when(redispatch())
        .thenThrows('PAYMENT.NOT_REJECTED', { status: 'dispatched' });
      payment.given([dispatched, accepted]).when(redispatch()).thenThrows('PAYMENT.NOT_REJECTED');
      payment.given([dispatched, settled]).when(redispatch()).thenThrows('PAYMENT.ALREADY_FINAL');
      payment.given([dispatched, rejected, cancelled]).when(redispatch()).thenThrows('PAYMENT.ALREADY_FINAL');
      payment.given([]).when(redispatch()).thenThrows('PAYMENT.NOT_FOUND');
    });

    it('refuses a batch id used by an earlier attempt', () => {
      payment
        .given([dispatched, rejected])
        .when(redispatch({ batchId: 'batch-1' }))
        .thenThrows('PAYMENT.BATCH_ALREADY_USED');
    });

    it('refuses the claimant as treasurer', () => {
      payment
        .given([dispatched, rejected])
        .when(redispatch({}, CLAIMANT))
        .thenThrows('PAYMENT.TREASURER_IS_CLAIMANT');
    });

    it('needs a new execution date once the old one has passed', () => {
      const old: PaymentEvent = {
        type: 'PaymentDispatched',
        data: dispatchedPayment({ requestedExecutionDate: '2025-03-10' }),
      };
      payment.given([old, rejected]).when(redispatch()).thenThrows('PAYMENT.EXECUTION_DATE_IN_PAST');
    });

    it('refuses an invalid corrected account', () => {
      payment
        .given([dispatched, rejected])
        .when(redispatch({ correctedDebtorAccount: { iban: 'XX00' } }))
        .thenThrows('PAYMENT.INVALID_ACCOUNT', { field: 'correctedDebtorAccount.iban' });
      payment
        .given([dispatched, rejected])
        .when(redispatch({ correctedDebtorAccount: { number: '6222020200112233' } as never }))
        .thenThrows('PAYMENT.INVALID_ACCOUNT', { field: 'correctedDebtorAccount.bankCode' });
      payment
        .given([dispatched, rejected])
        .when(
          redispatch({
            correctedPayee: {
              name: 'Alice Martin',
              account: { iban: IBAN.payee, number: '1', bankCode: '2' } as never,
            },
          }),
        )
        .thenThrows('PAYMENT.INVALID_ACCOUNT', { field: 'payee.account' });
    });
  });

  describe('CancelPayment', () => {
    it('cancels a rejected payment', () => {
      payment.given([dispatched, rejected]).when(cancel()).then([cancelled]);
    });

    it('is idempotent', () => {
      payment.given([dispatched, rejected, cancelled]).when(cancel()).then([]);
    });

    it('cancels a payment whose delivery failed, remembering that the bank may have executed it', () => {
      payment.given([dispatched, failed]).when(cancel()).then([cancelled]);
      const { evolve, initialState } = paymentDecider;
      const state = (events: PaymentEvent[]) => events.reduce(evolve, initialState());
      expect(state([dispatched, failed, cancelled])).toMatchObject({
        status: 'cancelled',
        deliveryUnknown: true,
      });
      expect(state([dispatched, rejected, cancelled])).toMatchObject({
        status: 'cancelled',
        deliveryUnknown: false,
      });
      // A cancellation replayed twice keeps what the first one knew.
      expect(state([dispatched, failed, cancelled, cancelled])).toMatchObject({ deliveryUnknown: true });
    });

    it('records a settlement that comes after a failed delivery was cancelled: the money left', () => {
      const lateSettlement: PaymentEvent = {
        type: 'PaymentSettled',
        data: { ...outcome, receiptId: 'r-2', bankReference: 'B-9', afterCancellation: true },
      };
      payment.given([dispatched, failed, cancelled]).when(settle('r-2', 'B-9')).then([lateSettlement]);
      // The same receipt again appends nothing; the bank may still return the money later.
      payment.given([dispatched, failed, cancelled, lateSettlement]).when(settle('r-2', 'B-9')).then([]);
      payment.given([dispatched, failed, cancelled, lateSettlement]).when(returnByBank()).then([returned]);
      payment
        .given([dispatched, failed, cancelled, lateSettlement])
        .when(cancel())
        .thenThrows('PAYMENT.ALREADY_FINAL');
    });

    it('keeps the cancellation of a rejected payment final: the bank refused it, a settlement contradicts', () => {
      payment.given([dispatched, rejected, cancelled]).when(settle()).thenThrows('PAYMENT.ALREADY_FINAL');
      payment.given([dispatched, failed, cancelled]).when(accept()).thenThrows('PAYMENT.ALREADY_FINAL');
    });

    it('refuses a payment that is not rejected', () => {
      payment.given([dispatched]).when(cancel()).thenThrows('PAYMENT.NOT_REJECTED');
      payment.given([dispatched, settled]).when(cancel()).thenThrows('PAYMENT.ALREADY_FINAL');
      payment.given([]).when(cancel()).thenThrows('PAYMENT.NOT_FOUND');
    });

    it('refuses a non-treasurer', () => {
      payment
        .given([dispatched, rejected])
        .when(cancel(['manager']))
        .thenThrows('PAYMENT.TREASURER_ROLE_REQUIRED');
    });
  });
});
