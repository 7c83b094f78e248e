import { ReconciliationEvent } from '@ledger/events';
import { LedgerPayment, StatementToReconcile } from '../reconcile-statement';
import { StatementEntryInput, StatementInput } from '../statement-lines';

/** Test data for the reconciliation specs: one company account paying two suppliers in EUR. */
export const COMPANY = { iban: 'GB33BUKB20201555555555' } as const;
export const COMPANY_LABEL = 'iban:GB33BUKB20201555555555';
export const OTHER_COMPANY_LABEL = 'iban:CH9300762011623852957';
export const SUPPLIER = { iban: 'DE89370400440532013000' } as const;
export const SUPPLIER_LABEL = 'iban:DE89370400440532013000';
export const OTHER_SUPPLIER = { iban: 'NL91ABNA0417164300' } as const;
export const OTHER_SUPPLIER_LABEL = 'iban:NL91ABNA0417164300';

export function payment(paymentId: string, overrides: Partial<LedgerPayment> = {}): LedgerPayment {
  return {
    paymentId,
    claimId: `claim-${paymentId}`,
    status: 'settled',
    debtorAccountLabel: COMPANY_LABEL,
    creditorAccountLabel: SUPPLIER_LABEL,
    amount: { value: '100.00', currency: 'EUR' },
    settledOn: '2025-03-10',
    ...overrides,
  };
}

export function debit(overrides: Partial<StatementEntryInput> = {}): StatementEntryInput {
  return {
    entryReference: 'E-1',
    amount: { value: '100.00', currency: 'EUR' },
    creditDebit: 'DBIT',
    bookingDate: '2025-03-10',
    valueDate: '2025-03-10',
    counterparty: { name: 'Supplier GmbH', account: SUPPLIER },
    ...overrides,
  };
}

export function credit(overrides: Partial<StatementEntryInput> = {}): StatementEntryInput {
  return debit({ creditDebit: 'CRDT', ...overrides });
}

/**
 * A statement of the company account for 2025-03-10 (unless overridden) whose closing balance is the opening
 * plus its entries, so it adds up unless a test says otherwise.
 */
export function statement(
  entries: readonly StatementEntryInput[],
  overrides: Partial<StatementInput> & { opening?: string; closing?: string } = {},
): StatementToReconcile {
  const { opening = '1000.00', closing, ...rest } = overrides;
  const from = rest.from ?? '2025-03-10T00:00:00Z';
  const to = rest.to ?? '2025-03-10T23:59:59Z';
  const net = entries.reduce(
    (sum, e) => {
      const units = BigInt(e.amount.value.replace('.', ''));
      return e.creditDebit === 'CRDT' ? sum + units : sum - units;
    },
    BigInt(opening.replace('.', '').replace('-', '')) * (opening.startsWith('-') ? -1n : 1n),
  );
  const closingValue = closing ?? formatCents(net);
  return {
    statement: {
      statementId: 'STMT-2025-03-10',
      creationDateTime: `${to.slice(0, 10)}T23:59:59Z`,
      from,
      to,
      account: COMPANY,
      currency: 'EUR',
      openingBalance: { amount: { value: opening, currency: 'EUR' }, date: from.slice(0, 10) },
      closingBalance: { amount: { value: closingValue, currency: 'EUR' }, date: to.slice(0, 10) },
      entries,
      ...rest,
    },
    messageId: 'MSG-1',
    messageVersion: 'camt.053.001.08',
    fingerprint: 'fp-1',
    via: 'upload',
  };
}

export function formatCents(units: bigint): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

type DataOf = { [E in ReconciliationEvent as E['type']]: E['data'] };

/** The data of the events of one type, in order. */
export function ofType<T extends keyof DataOf>(events: readonly ReconciliationEvent[], type: T): DataOf[T][] {
  return events.filter((e) => e.type === type).map((e) => e.data as DataOf[T]);
}
