import { bankStatementStreamId, CURRENT_SCHEMA_VERSIONS, DomainEvent, RecordedEvent } from '@ledger/events';
import { collection, DocumentMap, projectAll } from '../testing/in-memory-runner';
import {
  RECONCILIATION,
  RECONCILIATION_ACCOUNTS,
  RECONCILIATION_PAYMENTS,
  reconciliationProjection,
} from './reconciliation.projection';

const COMPANY = { iban: 'GB33BUKB20201555555555' };
const LABEL = 'iban:GB33BUKB20201555555555';
const KEY1 = `${LABEL}|S-1`;
const KEY2 = `${LABEL}|S-2`;
const eur = (value: string) => ({ value, currency: 'EUR' });

let position = 1000n;

/** The events as the statement's stream holds them: one append, consecutive revisions, rising positions. */
function recorded(statementId: string, events: readonly DomainEvent[]): RecordedEvent[] {
  const streamId = bankStatementStreamId(COMPANY, statementId);
  return events.map((event, index) => {
    position += 3n;
    return {
      type: event.type,
      data: event.data,
      metadata: {
        eventId: `${statementId}-${index}`,
        correlationId: 'corr',
        causationId: 'cmd',
        actor: { subject: 'bank-connector', roles: ['bank-connector'] },
        occurredAt: `2025-03-1${statementId === 'S-1' ? 0 : 1}T23:00:00.000Z`,
        schemaVersion: CURRENT_SCHEMA_VERSIONS[event.type],
      },
      streamId,
      revision: BigInt(index),
      position,
    };
  });
}

const base = (key: string, statementId: string) => ({ statementKey: key, statementId, accountLabel: LABEL });
const line = (
  key: string,
  statementId: string,
  n: string,
  amount: string,
  creditDebit: 'DBIT' | 'CRDT' = 'DBIT',
) => ({
  ...base(key, statementId),
  line: n,
  entryReference: `E-${n}`,
  creditDebit,
  amount: eur(amount),
  bookingDate: '2025-03-10',
  valueDate: '2025-03-10',
});

function received(key: string, statementId: string, day: string, closing: string): DomainEvent {
  return {
    type: 'BankStatementReceived',
    data: {
      ...base(key, statementId),
      account: COMPANY,
      currency: 'EUR',
      messageId: `M-${statementId}`,
      messageVersion: 'camt.053.001.08',
      creationDateTime: `${day}T23:00:00Z`,
      periodStart: day,
      periodEnd: day,
      openingBalance: { amount: eur('1000.00'), date: day },
      closingBalance: { amount: eur(closing), date: day },
      entryCount: 3,
      fingerprint: 'fp',
      via: 'upload',
      options: { toleranceDays: 2, missingAfterDays: 3, lookbackDays: 45 },
    },
  };
}

const comparison = (key: string, statementId: string, day: string) => ({
  ...base(key, statementId),
  currency: 'EUR',
  periodStart: day,
  periodEnd: day,
  statementOpening: eur('1000.00'),
  statementClosing: eur('795.00'),
  ledgerOpening: eur('1000.00'),
  ledgerClosing: eur('800.00'),
  difference: eur('-5.00'),
});

/** Statement S-1: a match, a fee nobody paid, an amount mismatch, a missing payment, a balance difference. */
function firstStatement(): RecordedEvent[] {
  return recorded('S-1', [
    received(KEY1, 'S-1', '2025-03-10', '795.00'),
    {
      type: 'StatementEntryMatched',
      data: {
        ...line(KEY1, 'S-1', '0', '100.00'),
        endToEndId: 'pay-1',
        paymentId: 'pay-1',
        claimId: 'claim-1',
        leg: 'settlement',
        matchedBy: 'end_to_end_id',
        ledgerDate: '2025-03-10',
        dayDifference: 0,
      },
    },
    {
      type: 'StatementEntryUnmatched',
      data: { ...line(KEY1, 'S-1', '1', '5.00'), reason: 'no_candidate', counterpartyName: 'Bank fees' },
    },
    {
      type: 'StatementEntryAmountMismatch',
      data: {
        ...line(KEY1, 'S-1', '2', '100.00'),
        paymentId: 'pay-2',
        claimId: 'claim-2',
        leg: 'settlement',
        matchedBy: 'end_to_end_id',
        ledgerDate: '2025-03-10',
        dayDifference: 0,
        expected: eur('99.00'),
        difference: eur('1.00'),
      },
    },
    {
      type: 'PaymentMissingFromStatement',
      data: {
        ...base(KEY1, 'S-1'),
        paymentId: 'pay-3',
        claimId: 'claim-3',
        amount: eur('99.00'),
        settledOn: '2025-03-06',
        daysOutstanding: 4,
        missingAfterDays: 3,
      },
    },
    {
      type: 'BankBalanceDifferenceFound',
      data: {
        ...comparison(KEY1, 'S-1', '2025-03-10'),
        basis: 'first_statement',
        ledgerMovements: [
          { paymentId: 'pay-1', leg: 'settlement', amount: eur('-100.00'), date: '2025-03-10' },
          { paymentId: 'pay-2', leg: 'settlement', amount: eur('-99.00'), date: '2025-03-10' },
        ],
        explanation: {
          previousDifference: eur('0.00'),
          openingGap: eur('0.00'),
          items: [
            { kind: 'unmatched_entry', contribution: eur('-5.00'), line: '1', entryReference: 'E-1' },
            {
              kind: 'amount_mismatch',
              contribution: eur('-1.00'),
              line: '2',
              entryReference: 'E-2',
              paymentId: 'pay-2',
            },
            { kind: 'not_on_statement', contribution: eur('1.00'), paymentId: 'pay-3', missing: true },
          ],
          explained: eur('-5.00'),
          unexplained: eur('0.00'),
          fullyExplained: true,
        },
      },
    },
  ]);
}

/** Statement S-2: the missing pay-3 turns up; the balance agrees. */
function secondStatement(): RecordedEvent[] {
  return recorded('S-2', [
    received(KEY2, 'S-2', '2025-03-11', '696.00'),
    {
      type: 'StatementEntryMatched',
      data: {
        ...line(KEY2, 'S-2', '0', '99.00'),
        bookingDate: '2025-03-11',
        valueDate: '2025-03-11',
        paymentId: 'pay-3',
        claimId: 'claim-3',
        leg: 'settlement',
        matchedBy: 'amount_creditor_date',
        ledgerDate: '2025-03-06',
        dayDifference: 5,
      },
    },
    {
      type: 'BankBalanceAgreed',
      data: {
        ...comparison(KEY2, 'S-2', '2025-03-11'),
        basis: 'previous_comparison',
        previousStatementId: 'S-1',
        statementOpening: eur('795.00'),
        statementClosing: eur('696.00'),
        ledgerOpening: eur('800.00'),
        ledgerClosing: eur('701.00'),
        difference: eur('-5.00'),
        ledgerMovements: [
          { paymentId: 'pay-3', leg: 'settlement', amount: eur('-99.00'), date: '2025-03-06' },
        ],
      },
    },
  ]);
}

const get = (store: DocumentMap, name: string, id: string) => store.get(`${name}/${id}`);

describe('reconciliationProjection', () => {
  const s1 = firstStatement();
  const s2 = secondStatement();

  it('lists each outcome as an item with its status, amounts as decimal strings and the currency', () => {
    const store = projectAll(reconciliationProjection, s1);
    expect(get(store, RECONCILIATION, `${KEY1}#0`)).toStrictEqual({
      _id: `${KEY1}#0`,
      kind: 'entry_matched',
      status: 'matched',
      statementId: 'S-1',
      statementKey: KEY1,
      accountLabel: LABEL,
      currency: 'EUR',
      date: '2025-03-10',
      amount: '100.00',
      recordedAt: '2025-03-10T23:00:00.000Z',
      line: '0',
      entryReference: 'E-0',
      creditDebit: 'DBIT',
      bookingDate: '2025-03-10',
      valueDate: '2025-03-10',
      endToEndId: 'pay-1',
      paymentId: 'pay-1',
      claimId: 'claim-1',
      leg: 'settlement',
      matchedBy: 'end_to_end_id',
      ledgerDate: '2025-03-10',
      dayDifference: 0,
      lastPosition: Number(s1[1].position),
    });
    expect(get(store, RECONCILIATION, `${KEY1}#1`)).toMatchObject({
      kind: 'entry_unmatched',
      status: 'unmatched',
      amount: '5.00',
      reason: 'no_candidate',
      counterpartyName: 'Bank fees',
    });
    expect(get(store, RECONCILIATION, `${KEY1}#2`)).toMatchObject({
      kind: 'amount_mismatch',
      status: 'exception',
      amount: '100.00',
      expected: '99.00',
      difference: '1.00',
    });
    expect(get(store, RECONCILIATION, 'missing:pay-3')).toMatchObject({
      kind: 'missing_payment',
      status: 'exception',
      amount: '99.00',
      date: '2025-03-06',
      daysOutstanding: 4,
    });
    expect(get(store, RECONCILIATION, `balance:${KEY1}`)).toMatchObject({
      kind: 'balance_difference',
      status: 'exception',
      amount: '-5.00',
      statementClosing: '795.00',
      ledgerClosing: '800.00',
      ledgerMovementCount: 2,
      explanation: {
        items: [
          { kind: 'unmatched_entry', contribution: '-5.00', line: '1', entryReference: 'E-1' },
          {
            kind: 'amount_mismatch',
            contribution: '-1.00',
            line: '2',
            entryReference: 'E-2',
            paymentId: 'pay-2',
          },
          { kind: 'not_on_statement', contribution: '1.00', paymentId: 'pay-3', missing: true },
        ],
        fullyExplained: true,
      },
    });
  });

  it('sums each status per account and currency and keeps the last statement and comparison', () => {
    const store = projectAll(reconciliationProjection, s1);
    expect(get(store, RECONCILIATION_ACCOUNTS, `${LABEL}|EUR`)).toStrictEqual({
      _id: `${LABEL}|EUR`,
      accountLabel: LABEL,
      currency: 'EUR',
      statements: 1,
      reconciledSince: '2025-03-10',
      lastStatement: {
        statementId: 'S-1',
        statementKey: KEY1,
        periodStart: '2025-03-10',
        periodEnd: '2025-03-10',
        closingBalance: '795.00',
        via: 'upload',
        receivedAt: '2025-03-10T23:00:00.000Z',
      },
      lastComparison: {
        statementId: 'S-1',
        periodEnd: '2025-03-10',
        statementClosing: '795.00',
        ledgerClosing: '800.00',
        difference: '-5.00',
        agreed: false,
        comparedAt: '2025-03-10T23:00:00.000Z',
      },
      totals: {
        matched: { count: 1, amount: '100.00' },
        unmatched: { count: 1, amount: '5.00' },
        exception: { count: 2, amount: '199.00' },
      },
      exceptions: { amount_mismatch: 1, missing_payment: 1 },
      balances: { agreed: 0, differences: 1 },
      updatedAt: '2025-03-10T23:00:00.000Z',
      lastPosition: Number(s1[5].position),
    });
  });

  it('records per payment which statement matched, counted and reported each leg', () => {
    const store = projectAll(reconciliationProjection, s1);
    const payments = Object.fromEntries(
      collection(store, RECONCILIATION_PAYMENTS).map(({ lastPosition: _p, _id, ...rest }) => [_id, rest]),
    );
    expect(payments).toStrictEqual({
      'pay-1': { paymentId: 'pay-1', settlementMatchedIn: 'S-1', settlementCountedIn: 'S-1' },
      'pay-2': { paymentId: 'pay-2', settlementMatchedIn: 'S-1', settlementCountedIn: 'S-1' },
      'pay-3': { paymentId: 'pay-3', missingReportedIn: 'S-1' },
    });
  });

  it('notes on a missing payment the statement that booked it later, and moves the summary on', () => {
    const store = projectAll(reconciliationProjection, [...s1, ...s2]);
    expect(get(store, RECONCILIATION, 'missing:pay-3')).toMatchObject({
      status: 'exception',
      resolvedBy: { statementId: 'S-2', line: '0', entryReference: 'E-0' },
    });
    expect(get(store, RECONCILIATION_PAYMENTS, 'pay-3')).toMatchObject({
      missingReportedIn: 'S-1',
      settlementMatchedIn: 'S-2',
      settlementCountedIn: 'S-2',
    });
    expect(get(store, RECONCILIATION_ACCOUNTS, `${LABEL}|EUR`)).toMatchObject({
      statements: 2,
      reconciledSince: '2025-03-10',
      lastStatement: { statementId: 'S-2', closingBalance: '696.00' },
      lastComparison: { statementId: 'S-2', ledgerClosing: '701.00', agreed: true },
      totals: { matched: { count: 2, amount: '199.00' } },
      balances: { agreed: 1, differences: 1 },
    });
  });

  it('ends the same whatever order documents are applied in, after redelivery, and after a crash mid-commit', () => {
    const events = [...s1, ...s2];
    const clean = projectAll(reconciliationProjection, events);
    expect(projectAll(reconciliationProjection, events, { reverse: true })).toStrictEqual(clean);
    const twice = projectAll(reconciliationProjection, events);
    projectAll(reconciliationProjection, events, {}, twice);
    expect(twice).toStrictEqual(clean);
    // A crash while committing event i: one collection of it unwritten (and every one after it, as a store
    // writes collection by collection), then the log is delivered again from event i.
    for (const crashed of [RECONCILIATION, RECONCILIATION_PAYMENTS, RECONCILIATION_ACCOUNTS]) {
      for (let i = 0; i < events.length; i++) {
        const store = projectAll(reconciliationProjection, events.slice(0, i));
        projectAll(
          reconciliationProjection,
          [events[i]],
          { commitOnly: (ref) => ref.collection !== crashed },
          store,
        );
        projectAll(reconciliationProjection, events.slice(i), {}, store);
        expect(store).toStrictEqual(clean);
      }
    }
  });
});
