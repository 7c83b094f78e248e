import { randomUUID } from 'node:crypto';
import { AccountJson, currentSchemaVersion, EventStore, LedgerEvent, paymentStreamId } from '@ledger/events';
import { AccountStatement, BookedEntry } from '@ledger/iso20022';

/** The company's paying account and two suppliers (ISO 13616 example IBANs). */
export const COMPANY: AccountJson = { iban: 'GB33BUKB20201555555555' };
export const COMPANY_LABEL = 'iban:GB33BUKB20201555555555';
export const SUPPLIER: AccountJson = { iban: 'DE89370400440532013000' };
export const OTHER_SUPPLIER: AccountJson = { iban: 'NL91ABNA0417164300' };

function event(type: string, data: Record<string, unknown>, occurredAt: string): LedgerEvent {
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      correlationId: 'reconciliation-test',
      causationId: 'reconciliation-test',
      actor: { subject: 'bank-connector', roles: ['bank-connector'] },
      occurredAt,
      schemaVersion: currentSchemaVersion(type),
    },
  };
}

export interface PaidPayment {
  readonly paymentId: string;
  readonly amount: string;
  readonly payee?: AccountJson;
  /** ISO instant the ledger recorded the settlement. */
  readonly settledAt: string;
  readonly returnedAt?: string;
  readonly currency?: string;
}

/**
 * Writes a payment's life as the ledger records it (dispatched, settled, maybe returned) straight into the
 * log: the bank connector that would record these is another part of the ledger.
 */
export async function recordPaidPayment(store: EventStore, payment: PaidPayment): Promise<bigint> {
  const currency = payment.currency ?? 'EUR';
  const common = { paymentId: payment.paymentId, claimId: `claim-${payment.paymentId}` };
  const dispatchedAt = `${payment.settledAt.slice(0, 10)}T06:00:00.000Z`;
  const events = [
    event(
      'PaymentDispatched',
      {
        ...common,
        batchId: `batch-${payment.paymentId}`,
        amount: { value: payment.amount, currency },
        payee: { name: 'Supplier GmbH', account: payment.payee ?? SUPPLIER },
        debtorAccount: COMPANY,
        requestedExecutionDate: payment.settledAt.slice(0, 10),
        dispatchedBy: 'trent',
        claimant: 'alice',
        attempt: 1,
      },
      dispatchedAt,
    ),
    event(
      'PaymentSettled',
      { ...common, receiptId: `settled-${payment.paymentId}`, attempt: 1 },
      payment.settledAt,
    ),
  ];
  if (payment.returnedAt !== undefined) {
    events.push(
      event(
        'PaymentReturned',
        {
          ...common,
          receiptId: `returned-${payment.paymentId}`,
          attempt: 1,
          reasonCode: 'AC04',
          reasonText: 'Closed account',
        },
        payment.returnedAt,
      ),
    );
  }
  const result = await store.appendToStream(paymentStreamId(payment.paymentId), events, {
    expectedRevision: 'no_stream',
  });
  return result.position;
}

/** A booked debit to the supplier naming the payment by its end-to-end id. */
export function debitEntry(
  reference: string,
  amount: string,
  day: string,
  overrides: Partial<BookedEntry> = {},
): BookedEntry {
  return {
    entryReference: reference,
    amount: { value: amount, currency: 'EUR' },
    creditDebit: 'DBIT',
    bookingDate: day,
    valueDate: day,
    counterparty: { name: 'Supplier GmbH', account: SUPPLIER },
    ...overrides,
  };
}

/** A statement of the company account for one day whose closing balance is opening + entries. */
export function dayStatement(
  statementId: string,
  day: string,
  opening: string,
  entries: readonly BookedEntry[],
  closing?: string,
): AccountStatement {
  const cents = (value: string) =>
    BigInt(value.replace('-', '').replace('.', '')) * (value.startsWith('-') ? -1n : 1n);
  const net = entries.reduce(
    (sum, e) => sum + (e.creditDebit === 'CRDT' ? cents(e.amount.value) : -cents(e.amount.value)),
    cents(opening),
  );
  const negative = net < 0n;
  const digits = (negative ? -net : net).toString().padStart(3, '0');
  const computed = `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
  return {
    statementId,
    creationDateTime: `${day}T22:00:00Z`,
    from: `${day}T00:00:00Z`,
    to: `${day}T23:59:59Z`,
    account: COMPANY,
    currency: 'EUR',
    openingBalance: { type: 'OPBD', amount: { value: opening, currency: 'EUR' }, date: day },
    closingBalance: { type: 'CLBD', amount: { value: closing ?? computed, currency: 'EUR' }, date: day },
    entries,
  };
}
