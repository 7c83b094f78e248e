import {
  BankBalanceComparisonData,
  BankBalanceDifferenceFoundData,
  ReconciliationEvent,
} from '@ledger/events';
import fc from 'fast-check';
import { daysBetween, LedgerAccountState, LedgerPayment, reconcileStatement } from '../index';
import {
  COMPANY_LABEL,
  formatCents,
  OTHER_COMPANY_LABEL,
  OTHER_SUPPLIER,
  OTHER_SUPPLIER_LABEL,
  ofType,
  payment,
  statement,
  SUPPLIER,
  SUPPLIER_LABEL,
} from './testing/statement-fixtures';
import { StatementEntryInput } from './statement-lines';

const DAYS = [
  '2025-03-05',
  '2025-03-06',
  '2025-03-07',
  '2025-03-08',
  '2025-03-09',
  '2025-03-10',
  '2025-03-11',
];
const AMOUNTS = [100n, 250n, 10_000n];
const IDS = ['p-0', 'p-1', 'p-2', 'p-3', 'p-4', 'p-5'];

const paymentArb = fc.record({
  status: fc.constantFrom('settled', 'settled', 'returned', 'accepted'),
  debtor: fc.constantFrom(COMPANY_LABEL, COMPANY_LABEL, COMPANY_LABEL, OTHER_COMPANY_LABEL),
  creditor: fc.constantFrom(SUPPLIER_LABEL, OTHER_SUPPLIER_LABEL),
  amount: fc.constantFrom(...AMOUNTS),
  settledOn: fc.constantFrom(...DAYS),
  returnDelay: fc.integer({ min: 0, max: 3 }),
  settlementMatched: fc.boolean(),
  settlementCounted: fc.boolean(),
  missingReported: fc.boolean(),
});

const entryArb = fc.record({
  creditDebit: fc.constantFrom('DBIT' as const, 'DBIT' as const, 'CRDT' as const),
  amount: fc.constantFrom(...AMOUNTS, 99n),
  bookingDay: fc.constantFrom(...DAYS),
  endToEndId: fc.option(fc.constantFrom(...IDS, 'NOTPROVIDED'), { nil: undefined }),
  counterparty: fc.option(fc.constantFrom(SUPPLIER, OTHER_SUPPLIER), { nil: undefined }),
});

const scenarioArb = fc.record({
  payments: fc.array(paymentArb, { maxLength: IDS.length }),
  entries: fc.array(entryArb, { maxLength: 8 }),
  previous: fc.option(
    fc.record({ ledgerClosing: fc.bigInt(-5_000n, 5_000n), statementClosing: fc.bigInt(-5_000n, 5_000n) }),
    { nil: undefined },
  ),
  opening: fc.bigInt(-10_000n, 10_000n),
  closingSkew: fc.constantFrom(0n, 0n, 0n, 7n),
  toleranceDays: fc.integer({ min: 0, max: 3 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

function run(s: Scenario) {
  const payments: LedgerPayment[] = s.payments.map((p, i) =>
    payment(IDS[i], {
      status: p.status,
      debtorAccountLabel: p.debtor,
      creditorAccountLabel: p.creditor,
      amount: { value: formatCents(p.amount), currency: 'EUR' },
      settledOn: p.status === 'accepted' ? undefined : p.settledOn,
      returnedOn:
        p.status === 'returned' ? DAYS[Math.min(DAYS.indexOf(p.settledOn) + p.returnDelay, 6)] : undefined,
      settlementMatchedIn: p.settlementMatched ? 'S-0' : undefined,
      settlementCountedIn: p.settlementCounted ? 'S-0' : undefined,
      missingReportedIn: p.missingReported ? 'S-0' : undefined,
    }),
  );
  const entries: StatementEntryInput[] = s.entries.map((e, i) => ({
    entryReference: `E-${i}`,
    amount: { value: formatCents(e.amount), currency: 'EUR' },
    creditDebit: e.creditDebit,
    bookingDate: e.bookingDay,
    valueDate: e.bookingDay,
    ...(e.endToEndId !== undefined ? { endToEndId: e.endToEndId } : {}),
    ...(e.counterparty !== undefined ? { counterparty: { account: e.counterparty } } : {}),
  }));
  const net = entries.reduce(
    (sum, e) => sum + (e.creditDebit === 'CRDT' ? 1n : -1n) * BigInt(e.amount.value.replace('.', '')),
    0n,
  );
  const ledger: LedgerAccountState =
    s.previous === undefined
      ? {}
      : {
          reconciledSince: '2025-03-01',
          previous: {
            statementId: 'S-0',
            periodEnd: '2025-03-04',
            statementClosing: { value: formatCents(s.previous.statementClosing), currency: 'EUR' },
            ledgerClosing: { value: formatCents(s.previous.ledgerClosing), currency: 'EUR' },
            difference: {
              value: formatCents(s.previous.statementClosing - s.previous.ledgerClosing),
              currency: 'EUR',
            },
          },
        };
  const input = statement(entries, {
    from: '2025-03-05',
    to: '2025-03-11',
    opening: formatCents(s.opening),
    closing: formatCents(s.opening + net + s.closingSkew),
  });
  const events = reconcileStatement(input, payments, ledger, {
    toleranceDays: s.toleranceDays,
    missingAfterDays: 3,
    lookbackDays: 45,
  });
  return { payments, entries, events, net };
}

const cents = (value: string) => BigInt(value.replace('.', ''));

function matchedOf(events: readonly ReconciliationEvent[]) {
  return [...ofType(events, 'StatementEntryMatched'), ...ofType(events, 'StatementEntryAmountMismatch')];
}

describe('reconcileStatement properties', () => {
  it('gives every line exactly one outcome, no line two payments and no payment leg two lines', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { entries, events, payments } = run(s);
        const outcomes = events
          .filter((e) => e.type.startsWith('StatementEntry'))
          .map((e) => (e.data as { line: string }).line);
        expect(outcomes).toStrictEqual(entries.map((_, i) => String(i)));
        const legs = matchedOf(events).map((m) => `${m.paymentId}/${m.leg}`);
        expect(new Set(legs).size).toBe(legs.length);
        for (const m of matchedOf(events)) {
          const p = payments.find((x) => x.paymentId === m.paymentId)!;
          expect(p.debtorAccountLabel).toBe(COMPANY_LABEL);
          expect(m.leg === 'settlement' ? p.settlementMatchedIn : p.returnMatchedIn).toBeUndefined();
          expect(m.creditDebit).toBe(m.leg === 'settlement' ? 'DBIT' : 'CRDT');
          if (m.matchedBy === 'amount_creditor_date') {
            expect(cents(m.amount.value)).toBe(cents(p.amount.value));
            expect(Math.abs(daysBetween(m.ledgerDate, m.bookingDate))).toBeLessThanOrEqual(s.toleranceDays);
          } else {
            expect([m.paymentId, m.paymentId.replace(/-/g, '')]).toContain(m.endToEndId);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports a payment missing at most once, and never one this or an earlier statement booked', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { events, payments } = run(s);
        const missing = ofType(events, 'PaymentMissingFromStatement').map((m) => m.paymentId);
        const booked = new Set(
          matchedOf(events)
            .filter((m) => m.leg === 'settlement')
            .map((m) => m.paymentId),
        );
        for (const id of missing) {
          const p = payments.find((x) => x.paymentId === id)!;
          expect(p.missingReportedIn).toBeUndefined();
          expect(p.settlementMatchedIn).toBeUndefined();
          expect(booked.has(id)).toBe(false);
        }
        expect(new Set(missing).size).toBe(missing.length);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the balance identity: ledger closing is opening plus movements; the explanation adds up exactly when the statement does', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { events } = run(s);
        const last = events.at(-1)!;
        expect(['BankBalanceAgreed', 'BankBalanceDifferenceFound']).toContain(last.type);
        const data = last.data as BankBalanceComparisonData;
        const moved = data.ledgerMovements.reduce((sum, m) => sum + cents(m.amount.value), 0n);
        expect(cents(data.ledgerClosing.value)).toBe(cents(data.ledgerOpening.value) + moved);
        expect(cents(data.difference.value)).toBe(
          cents(data.statementClosing.value) - cents(data.ledgerClosing.value),
        );
        const counted = data.ledgerMovements.map((m) => `${m.paymentId}/${m.leg}`);
        expect(new Set(counted).size).toBe(counted.length);
        if (last.type === 'BankBalanceAgreed') {
          expect(cents(data.difference.value)).toBe(0n);
          return;
        }
        const { explanation } = last.data as BankBalanceDifferenceFoundData;
        const items = explanation.items.reduce((sum, i) => sum + cents(i.contribution.value), 0n);
        expect(cents(explanation.explained.value)).toBe(
          cents(explanation.previousDifference.value) + cents(explanation.openingGap.value) + items,
        );
        expect(cents(explanation.unexplained.value)).toBe(s.closingSkew);
        expect(explanation.fullyExplained).toBe(s.closingSkew === 0n);
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic and its events survive a JSON round trip', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const first = run(s).events;
        expect(run(s).events).toStrictEqual(first);
        expect(JSON.parse(JSON.stringify(first))).toStrictEqual(first);
      }),
      { numRuns: 100 },
    );
  });
});
