import {
  AccountJson,
  ClaimSubmittedData,
  PaymentDispatchedData,
  PaymentRedispatchedData,
} from '@ledger/events';
import { History } from './history';

/** ISO 13616 example IBANs and a domestic (US ABA) account, as the domain stores them. */
export const ACCOUNTS = {
  payee: { iban: 'DE89370400440532013000' },
  otherPayee: { number: '000123456789', bankCode: '021000021' },
  debtor: { iban: 'GB33BUKB20201555555555', bic: 'BUKBGB22' },
  otherDebtor: { iban: 'CH9300762011623852957' },
} as const satisfies Record<string, AccountJson>;

export function claim(overrides: Partial<ClaimSubmittedData> = {}): ClaimSubmittedData {
  return {
    claimId: 'claim-1',
    claimant: 'alice',
    payee: { name: 'Alice Martin', account: ACCOUNTS.payee },
    amount: { value: '1234.50', currency: 'EUR' },
    costCenter: 'CC-100',
    category: 'travel',
    description: 'Train to Lyon',
    invoiceNumber: 'INV-1',
    requiredLevels: ['manager', 'finance'],
    ...overrides,
  };
}

export function dispatch(overrides: Partial<PaymentDispatchedData> = {}): PaymentDispatchedData {
  return {
    paymentId: 'pay-1',
    claimId: 'claim-1',
    batchId: 'batch-1',
    amount: { value: '1234.50', currency: 'EUR' },
    payee: { name: 'Alice Martin', account: ACCOUNTS.payee },
    debtorAccount: ACCOUNTS.debtor,
    requestedExecutionDate: '2025-03-14',
    dispatchedBy: 'trent',
    claimant: 'alice',
    attempt: 1,
    ...overrides,
  };
}

export function redispatch(overrides: Partial<PaymentRedispatchedData> = {}): PaymentRedispatchedData {
  return { ...dispatch({ batchId: 'batch-2', attempt: 2 }), corrected: [], ...overrides };
}

/** The bank outcome fields every outcome event carries. */
export function outcome(receiptId: string, attempt = 1, paymentId = 'pay-1', claimId = 'claim-1') {
  return { paymentId, claimId, receiptId, attempt };
}

/**
 * Adds what follows a delivery the bank connector gave up on (`PaymentDispatchFailed` for receipt
 * `r-1`) and the treasurer's cancellation of it, to `history`'s dispatched pay-1.
 */
export function failAndCancel(history: History, reason = 'HTTP 503'): History {
  history.add({
    type: 'PaymentDispatchFailed',
    data: { ...outcome('r-1'), batchId: 'batch-1', attempts: 3, reason },
  });
  history.add({
    type: 'PaymentCancelled',
    data: { paymentId: 'pay-1', claimId: 'claim-1', cancelledBy: 'trent', reason: 'gave up' },
  });
  return history;
}
