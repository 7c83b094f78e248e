import { ClaimSubmittedData, PaymentDispatchedData } from '@ledger/events';
import { CommandMetadata } from '../decider';

/** Shared test data for the deciders' specs: valid IBANs (ISO 13616 examples) and one claim's life. */
export const IBAN = {
  payee: 'DE89370400440532013000',
  corrected: 'NL91ABNA0417164300',
  debtor: 'GB33BUKB20201555555555',
  otherDebtor: 'CH9300762011623852957',
} as const;

/** Accounts in the domestic form, as the domain stores them: a US ABA routing number, a China CNAPS code. */
export const DOMESTIC = {
  payee: { number: '000123456789', bankCode: '021000021' },
  debtor: { number: '6222020200112233', bankCode: '102100099996' },
} as const;

export const NOW = '2025-03-14T09:30:00.000Z';
export const TODAY = '2025-03-14';

let commandSequence = 0;

export function meta(subject: string, roles: readonly string[] = [], now = NOW): CommandMetadata {
  commandSequence += 1;
  return { actor: { subject, roles }, now, commandId: `cmd-${commandSequence}` };
}

export const CLAIMANT = 'alice';

export function submittedClaim(overrides: Partial<ClaimSubmittedData> = {}): ClaimSubmittedData {
  return {
    claimId: 'claim-1',
    claimant: CLAIMANT,
    payee: { name: 'Alice Martin', account: { iban: IBAN.payee } },
    amount: { value: '1234.50', currency: 'EUR' },
    costCenter: 'CC-100',
    category: 'travel',
    description: 'Train to Lyon',
    invoiceNumber: 'INV-1',
    requiredLevels: ['manager'],
    duplicateGuardKey: `iban:${IBAN.payee}|inv:INV-1|EUR:1234.50`,
    ...overrides,
  };
}

export function dispatchedPayment(overrides: Partial<PaymentDispatchedData> = {}): PaymentDispatchedData {
  return {
    paymentId: 'pay-1',
    claimId: 'claim-1',
    batchId: 'batch-1',
    amount: { value: '1234.50', currency: 'EUR' },
    payee: { name: 'Alice Martin', account: { iban: IBAN.payee } },
    debtorAccount: { iban: IBAN.debtor },
    requestedExecutionDate: TODAY,
    dispatchedBy: 'trent',
    claimant: CLAIMANT,
    attempt: 1,
    ...overrides,
  };
}
