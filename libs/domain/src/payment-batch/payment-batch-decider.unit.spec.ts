import { PaymentBatchEvent } from '@ledger/events';
import { spec } from '../testing/decider-spec';
import { IBAN, meta } from '../testing/fixtures';
import { paymentBatchDecider, RecordPaymentBatch } from './payment-batch-decider';

const batch = spec(paymentBatchDecider);
const payments = [
  { paymentId: 'pay-1', claimId: 'claim-1', amount: { value: '10.00', currency: 'EUR' } },
  { paymentId: 'pay-2', claimId: 'claim-2', amount: { value: '20.00', currency: 'EUR' } },
];
const record = (list = payments, roles = ['treasurer']): RecordPaymentBatch => ({
  type: 'RecordPaymentBatch',
  data: {
    batchId: 'batch-1',
    debtorAccount: { iban: IBAN.debtor },
    requestedExecutionDate: '2025-03-14',
    payments: list,
  },
  metadata: meta('trent', roles),
});
const recorded: PaymentBatchEvent = {
  type: 'PaymentBatchDispatched',
  data: {
    batchId: 'batch-1',
    debtorAccount: { iban: IBAN.debtor },
    requestedExecutionDate: '2025-03-14',
    payments,
    dispatchedBy: 'trent',
  },
};

describe('payment batch decider', () => {
  it('records a batch with the treasurer who dispatched it', () => {
    batch.given([]).when(record()).then([recorded]);
  });

  it('adds nothing when the same batch is recorded again (a retried dispatch)', () => {
    batch.given([recorded]).when(record()).then([]);
  });

  it('refuses other payments under a batch id already used', () => {
    batch
      .given([recorded])
      .when(record(payments.slice(0, 1)))
      .thenThrows('PAYMENT.BATCH_ALREADY_USED');
  });

  it('refuses an empty batch and a caller who is not a treasurer', () => {
    batch.given([]).when(record([])).thenThrows('PAYMENT.INVALID_FIELD');
    batch
      .given([])
      .when(record(payments, ['manager']))
      .thenThrows('PAYMENT.TREASURER_ROLE_REQUIRED');
  });
});
