import { BankBalanceDifferenceFoundData, ReconciliationEvent } from '@ledger/events';
import {
  DEFAULT_RECONCILIATION_OPTIONS,
  LedgerAccountState,
  reconcileStatement,
} from './reconcile-statement';
import { ReconciliationError } from './reconciliation-error';
import {
  COMPANY_LABEL,
  credit,
  debit,
  OTHER_COMPANY_LABEL,
  OTHER_SUPPLIER,
  OTHER_SUPPLIER_LABEL,
  ofType,
  payment,
  statement,
} from './testing/statement-fixtures';

const options = DEFAULT_RECONCILIATION_OPTIONS;
const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

function refusal(run: () => unknown): ReconciliationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ReconciliationError) return error;
    throw error;
  }
  throw new Error('expected a ReconciliationError');
}

function difference(events: readonly ReconciliationEvent[]): BankBalanceDifferenceFoundData {
  const [found] = ofType(events, 'BankBalanceDifferenceFound');
  if (found === undefined) throw new Error(`expected a balance difference, got ${events.at(-1)?.type}`);
  return found;
}

describe('reconcileStatement: the statement', () => {
  it('records the statement first, with its key, period, balances and the options in force', () => {
    const events = reconcileStatement(statement([]), [], {});
    expect(events[0]).toStrictEqual({
      type: 'BankStatementReceived',
      data: {
        statementKey: `${COMPANY_LABEL}|STMT-2025-03-10`,
        statementId: 'STMT-2025-03-10',
        accountLabel: COMPANY_LABEL,
        account: { iban: 'GB33BUKB20201555555555' },
        currency: 'EUR',
        messageId: 'MSG-1',
        messageVersion: 'camt.053.001.08',
        creationDateTime: '2025-03-10T23:59:59Z',
        periodStart: '2025-03-10',
        periodEnd: '2025-03-10',
        openingBalance: { amount: { value: '1000.00', currency: 'EUR' }, date: '2025-03-10' },
        closingBalance: { amount: { value: '1000.00', currency: 'EUR' }, date: '2025-03-10' },
        entryCount: 0,
        fingerprint: 'fp-1',
        via: 'upload',
        options: { toleranceDays: 2, missingAfterDays: 3, lookbackDays: 45 },
      },
    });
    expect(JSON.parse(JSON.stringify(events))).toStrictEqual(events);
  });

  it('takes the period from the balances when the statement states none', () => {
    const input = statement([]);
    const { from: _from, to: _to, ...rest } = input.statement;
    const events = reconcileStatement(
      {
        ...input,
        statement: {
          ...rest,
          openingBalance: { ...rest.openingBalance, date: '2025-03-09' },
          closingBalance: { ...rest.closingBalance, date: '2025-03-11' },
        },
      },
      [],
      {},
    );
    expect(ofType(events, 'BankStatementReceived')[0]).toMatchObject({
      periodStart: '2025-03-09',
      periodEnd: '2025-03-11',
    });
  });

  it('refuses what the schema cannot: a period running backwards, a second currency, a bad date', () => {
    const backwards = refusal(() =>
      reconcileStatement(statement([], { from: '2025-03-11', to: '2025-03-10' }), [], {}),
    );
    expect(backwards.code).toBe('RECONCILIATION.INVALID_STATEMENT');
    expect(backwards.status).toBe(422);
    const mixed = refusal(() =>
      reconcileStatement(statement([debit({ amount: { value: '1.00', currency: 'USD' } })]), [], {}),
    );
    expect(mixed.details).toStrictEqual({ field: 'entries[0].amount' });
    const badDate = refusal(() =>
      reconcileStatement(statement([debit({ bookingDate: '2025-02-30' })]), [], {}),
    );
    expect(badDate.details).toStrictEqual({ field: 'entries[0].bookingDate' });
    const tooManyDecimals = refusal(() =>
      reconcileStatement(statement([], { opening: '1.001', closing: '1.001' }), [], {}),
    );
    expect(tooManyDecimals.code).toBe('RECONCILIATION.INVALID_STATEMENT');
  });

  it('refuses a statement that ends before the last reconciled one, and takes one ending the same day', () => {
    const ledger: LedgerAccountState = {
      previous: {
        statementId: 'STMT-2025-03-11',
        periodEnd: '2025-03-11',
        statementClosing: { value: '1000.00', currency: 'EUR' },
        ledgerClosing: { value: '1000.00', currency: 'EUR' },
        difference: { value: '0.00', currency: 'EUR' },
      },
      reconciledSince: '2025-03-01',
    };
    const error = refusal(() => reconcileStatement(statement([]), [], ledger));
    expect(error.code).toBe('RECONCILIATION.STATEMENT_OUT_OF_ORDER');
    expect(error.status).toBe(409);
    const sameDay = statement([], { from: '2025-03-11', to: '2025-03-11' });
    expect(reconcileStatement(sameDay, [], ledger).at(-1)?.type).toBe('BankBalanceAgreed');
  });
});

describe('reconcileStatement: rule 1, the end-to-end id', () => {
  it('matches the payment the end-to-end id names, also a UUID sent as its 32 hex digits', () => {
    const events = reconcileStatement(
      statement([
        debit({ endToEndId: 'pay-1', counterparty: undefined }),
        debit({
          entryReference: 'E-2',
          endToEndId: UUID.replace(/-/g, '').toUpperCase(),
          counterparty: undefined,
        }),
      ]),
      [payment('pay-1'), payment(UUID, { amount: { value: '100.00', currency: 'EUR' } })],
      {},
    );
    const matched = ofType(events, 'StatementEntryMatched');
    expect(matched.map((m) => [m.line, m.paymentId, m.matchedBy, m.leg])).toStrictEqual([
      ['0', 'pay-1', 'end_to_end_id', 'settlement'],
      ['1', UUID, 'end_to_end_id', 'settlement'],
    ]);
    expect(matched[0]).toMatchObject({
      claimId: 'claim-pay-1',
      amount: { value: '100.00', currency: 'EUR' },
      ledgerDate: '2025-03-10',
      dayDifference: 0,
    });
  });

  it('ignores the date and the creditor: the end-to-end id is the payment', () => {
    const events = reconcileStatement(
      statement([
        debit({ endToEndId: 'pay-1', bookingDate: '2025-03-10', counterparty: { account: OTHER_SUPPLIER } }),
      ]),
      [payment('pay-1', { settledOn: '2025-02-20' })],
      {},
    );
    expect(ofType(events, 'StatementEntryMatched')[0]).toMatchObject({
      paymentId: 'pay-1',
      dayDifference: 18,
    });
  });

  it('records an amount mismatch when the bank booked another amount than the ledger paid', () => {
    const events = reconcileStatement(
      statement([debit({ endToEndId: 'pay-1', amount: { value: '100.50', currency: 'EUR' } })]),
      [payment('pay-1')],
      {},
    );
    expect(ofType(events, 'StatementEntryMatched')).toStrictEqual([]);
    expect(ofType(events, 'StatementEntryAmountMismatch')[0]).toMatchObject({
      paymentId: 'pay-1',
      matchedBy: 'end_to_end_id',
      amount: { value: '100.50', currency: 'EUR' },
      expected: { value: '100.00', currency: 'EUR' },
      difference: { value: '0.50', currency: 'EUR' },
    });
  });

  it('leaves a line unmatched, with the reason, when the payment it names cannot be booked by it', () => {
    const events = reconcileStatement(
      statement([
        debit({ entryReference: 'dup-1', endToEndId: 'pay-1' }),
        debit({ entryReference: 'dup-2', endToEndId: 'pay-1' }),
        debit({ entryReference: 'earlier', endToEndId: 'pay-2' }),
        debit({ entryReference: 'accepted', endToEndId: 'pay-3' }),
        credit({ entryReference: 'no-return', endToEndId: 'pay-4' }),
        debit({ entryReference: 'elsewhere', endToEndId: 'pay-5' }),
        debit({ entryReference: 'dollars', endToEndId: 'pay-6' }),
      ]),
      [
        payment('pay-1'),
        payment('pay-2', { settlementMatchedIn: 'STMT-2025-03-09' }),
        payment('pay-3', { status: 'accepted', settledOn: undefined }),
        payment('pay-4'),
        payment('pay-5', { debtorAccountLabel: OTHER_COMPANY_LABEL }),
        payment('pay-6', { amount: { value: '100.00', currency: 'USD' } }),
      ],
      {},
    );
    expect(ofType(events, 'StatementEntryMatched').map((m) => m.entryReference)).toStrictEqual(['dup-1']);
    expect(
      ofType(events, 'StatementEntryUnmatched').map((u) => [u.entryReference, u.reason, u.paymentId]),
    ).toStrictEqual([
      ['dup-2', 'payment_already_matched', 'pay-1'],
      ['earlier', 'payment_already_matched', 'pay-2'],
      ['accepted', 'payment_not_settled', 'pay-3'],
      ['no-return', 'payment_not_returned', 'pay-4'],
      ['elsewhere', 'payment_of_other_account', 'pay-5'],
      ['dollars', 'payment_of_other_account', 'pay-6'],
    ]);
  });

  it('never sends a line whose end-to-end id names a payment on to rule 2', () => {
    // pay-2 would fit by amount, creditor and date; the line names pay-1, already matched.
    const events = reconcileStatement(
      statement([debit({ endToEndId: 'pay-1' })]),
      [payment('pay-1', { settlementMatchedIn: 'STMT-2025-03-09' }), payment('pay-2')],
      {},
    );
    expect(ofType(events, 'StatementEntryMatched')).toStrictEqual([]);
    expect(ofType(events, 'StatementEntryUnmatched')[0].reason).toBe('payment_already_matched');
  });

  it('matches a credit to the return of a returned payment; its debit still books the settlement', () => {
    const returned = payment('pay-1', {
      status: 'returned',
      settledOn: '2025-03-08',
      returnedOn: '2025-03-10',
    });
    const events = reconcileStatement(
      statement([debit({ endToEndId: 'pay-1' }), credit({ entryReference: 'E-2', endToEndId: 'pay-1' })]),
      [returned],
      {},
    );
    expect(ofType(events, 'StatementEntryMatched').map((m) => [m.line, m.leg, m.ledgerDate])).toStrictEqual([
      ['0', 'settlement', '2025-03-08'],
      ['1', 'return', '2025-03-10'],
    ]);
  });
});

describe('reconcileStatement: rule 2, amount, currency, creditor and date', () => {
  it('matches by amount, creditor and booking date when the line has no end-to-end id the ledger knows', () => {
    for (const endToEndId of [undefined, 'NOTPROVIDED']) {
      const events = reconcileStatement(statement([debit({ endToEndId })]), [payment('pay-1')], {});
      expect(ofType(events, 'StatementEntryMatched')[0]).toMatchObject({
        paymentId: 'pay-1',
        matchedBy: 'amount_creditor_date',
        dayDifference: 0,
      });
    }
  });

  it.each([
    ['two days after', '2025-03-08', true],
    ['two days before', '2025-03-12', true],
    ['three days after', '2025-03-07', false],
    ['three days before', '2025-03-13', false],
  ])('takes a booking date %s the ledger date only within the tolerance', (_name, settledOn, matches) => {
    const events = reconcileStatement(statement([debit()]), [payment('pay-1', { settledOn })], {});
    expect(ofType(events, 'StatementEntryMatched').length).toBe(matches ? 1 : 0);
    if (!matches) expect(ofType(events, 'StatementEntryUnmatched')[0].reason).toBe('no_candidate');
  });

  it('follows the configured tolerance', () => {
    const candidates = [payment('pay-1', { settledOn: '2025-03-09' })];
    const strict = { ...options, toleranceDays: 0 };
    expect(
      ofType(reconcileStatement(statement([debit()]), candidates, {}, strict), 'StatementEntryMatched'),
    ).toHaveLength(0);
    const loose = { ...options, toleranceDays: 1 };
    expect(
      ofType(reconcileStatement(statement([debit()]), candidates, {}, loose), 'StatementEntryMatched'),
    ).toHaveLength(1);
  });

  it('needs the same amount, the same currency and the payee as counterparty', () => {
    const events = reconcileStatement(
      statement([
        debit({ entryReference: 'cent-more', amount: { value: '100.01', currency: 'EUR' } }),
        debit({ entryReference: 'other-payee', counterparty: { account: OTHER_SUPPLIER } }),
        debit({ entryReference: 'no-counterparty', counterparty: undefined }),
      ]),
      [payment('pay-1'), payment('pay-usd', { amount: { value: '100.01', currency: 'USD' } })],
      {},
    );
    expect(ofType(events, 'StatementEntryMatched')).toStrictEqual([]);
    expect(ofType(events, 'StatementEntryUnmatched').map((u) => u.reason)).toStrictEqual([
      'no_candidate',
      'no_candidate',
      'no_candidate',
    ]);
    expect(ofType(events, 'StatementEntryUnmatched')[1]).toMatchObject({
      counterpartyAccountLabel: OTHER_SUPPLIER_LABEL,
    });
  });

  it('gives one payment to one line: of two identical lines the second stays unmatched', () => {
    const events = reconcileStatement(
      statement([debit({ entryReference: 'a' }), debit({ entryReference: 'b' })]),
      [payment('pay-1')],
      {},
    );
    expect(ofType(events, 'StatementEntryMatched').map((m) => m.entryReference)).toStrictEqual(['a']);
    expect(ofType(events, 'StatementEntryUnmatched').map((u) => u.entryReference)).toStrictEqual(['b']);
  });

  it('gives one line one payment, the closest in date, and the other payment to the next line', () => {
    const events = reconcileStatement(
      statement(
        [
          debit({ entryReference: 'on-the-11th', bookingDate: '2025-03-11' }),
          debit({ entryReference: 'on-the-9th', bookingDate: '2025-03-09' }),
        ],
        { from: '2025-03-09', to: '2025-03-11' },
      ),
      [payment('pay-9th', { settledOn: '2025-03-09' }), payment('pay-11th', { settledOn: '2025-03-11' })],
      {},
    );
    expect(ofType(events, 'StatementEntryMatched').map((m) => [m.entryReference, m.paymentId])).toStrictEqual(
      [
        ['on-the-11th', 'pay-11th'],
        ['on-the-9th', 'pay-9th'],
      ],
    );
  });

  it('does not take a leg rule 1 took, nor one an earlier statement matched', () => {
    const events = reconcileStatement(
      statement([
        debit({ entryReference: 'by-id', endToEndId: 'pay-1' }),
        debit({ entryReference: 'by-amount' }),
      ]),
      [payment('pay-1'), payment('pay-2', { settlementMatchedIn: 'STMT-2025-03-09' })],
      {},
    );
    expect(ofType(events, 'StatementEntryUnmatched').map((u) => [u.entryReference, u.reason])).toStrictEqual([
      ['by-amount', 'no_candidate'],
    ]);
  });

  it('matches a returned payment by amount, its payee as the credit counterparty and the return date', () => {
    const events = reconcileStatement(
      statement([credit()]),
      [payment('pay-1', { status: 'returned', settledOn: '2025-03-03', returnedOn: '2025-03-11' })],
      {},
    );
    expect(ofType(events, 'StatementEntryMatched')[0]).toMatchObject({
      leg: 'return',
      matchedBy: 'amount_creditor_date',
      ledgerDate: '2025-03-11',
      dayDifference: -1,
    });
  });
});

describe('reconcileStatement: batch-booked entries', () => {
  it('splits an entry into its transfers when their amounts add up, and matches each', () => {
    const events = reconcileStatement(
      statement([
        debit({
          amount: { value: '150.00', currency: 'EUR' },
          counterparty: undefined,
          transactions: [
            { endToEndId: 'pay-1', amount: { value: '100.00', currency: 'EUR' } },
            { amount: { value: '50.00', currency: 'EUR' }, counterparty: { account: OTHER_SUPPLIER } },
          ],
        }),
      ]),
      [
        payment('pay-1'),
        payment('pay-2', {
          amount: { value: '50.00', currency: 'EUR' },
          creditorAccountLabel: OTHER_SUPPLIER_LABEL,
        }),
      ],
      {},
    );
    expect(
      ofType(events, 'StatementEntryMatched').map((m) => [m.line, m.paymentId, m.matchedBy]),
    ).toStrictEqual([
      ['0.0', 'pay-1', 'end_to_end_id'],
      ['0.1', 'pay-2', 'amount_creditor_date'],
    ]);
    expect(events.at(-1)?.type).toBe('BankBalanceAgreed');
  });

  it('keeps an entry whole, and unmatched, when its transfers do not state amounts adding up to it', () => {
    const events = reconcileStatement(
      statement([
        debit({
          amount: { value: '150.00', currency: 'EUR' },
          transactions: [
            { endToEndId: 'pay-1' },
            { endToEndId: 'pay-2', amount: { value: '50.00', currency: 'EUR' } },
          ],
        }),
      ]),
      [payment('pay-1')],
      {},
    );
    expect(ofType(events, 'StatementEntryUnmatched')).toEqual([
      expect.objectContaining({
        line: '0',
        reason: 'unsplittable_batch_entry',
        amount: { value: '150.00', currency: 'EUR' },
      }),
    ]);
  });
});

describe('reconcileStatement: payments missing from statements', () => {
  const since: LedgerAccountState = { reconciledSince: '2025-03-01' };

  it.each([
    ['two days', '2025-03-08', false],
    ['three days', '2025-03-07', true],
    ['ten days', '2025-02-28', false], // before the account's first statement: in its opening balance
  ])(
    'reports a payment settled %s before the period end only from the configured days on',
    (_n, settledOn, missing) => {
      const events = reconcileStatement(statement([]), [payment('pay-1', { settledOn })], since);
      const reported = ofType(events, 'PaymentMissingFromStatement');
      expect(reported.length).toBe(missing ? 1 : 0);
      if (missing) {
        expect(reported[0]).toStrictEqual({
          statementKey: `${COMPANY_LABEL}|STMT-2025-03-10`,
          statementId: 'STMT-2025-03-10',
          accountLabel: COMPANY_LABEL,
          paymentId: 'pay-1',
          claimId: 'claim-pay-1',
          amount: { value: '100.00', currency: 'EUR' },
          settledOn: '2025-03-07',
          daysOutstanding: 3,
          missingAfterDays: 3,
        });
      }
    },
  );

  it('reports a payment once, and never one a statement booked', () => {
    const events = reconcileStatement(
      statement([debit({ endToEndId: 'pay-3', bookingDate: '2025-03-10' })]),
      [
        payment('pay-1', { settledOn: '2025-03-02', missingReportedIn: 'STMT-2025-03-06' }),
        payment('pay-2', { settledOn: '2025-03-02', settlementMatchedIn: 'STMT-2025-03-03' }),
        payment('pay-3', { settledOn: '2025-03-02' }),
        payment('pay-4', { settledOn: '2025-03-02', debtorAccountLabel: OTHER_COMPANY_LABEL }),
      ],
      since,
    );
    expect(ofType(events, 'PaymentMissingFromStatement')).toStrictEqual([]);
  });

  it('follows the configured number of days', () => {
    const events = reconcileStatement(statement([]), [payment('pay-1', { settledOn: '2025-03-09' })], since, {
      ...options,
      missingAfterDays: 1,
    });
    expect(ofType(events, 'PaymentMissingFromStatement').map((m) => m.paymentId)).toStrictEqual(['pay-1']);
  });
});

describe('reconcileStatement: the bank balance', () => {
  it("agrees when the ledger moved what the bank booked, starting from the first statement's opening", () => {
    const events = reconcileStatement(
      statement([debit({ endToEndId: 'pay-1' }), credit({ entryReference: 'E-2', endToEndId: 'pay-2' })]),
      [
        payment('pay-1'),
        payment('pay-2', {
          status: 'returned',
          settledOn: '2025-03-01',
          returnedOn: '2025-03-10',
          settlementCountedIn: 'S-0',
        }),
      ],
      {},
    );
    expect(events.at(-1)).toStrictEqual({
      type: 'BankBalanceAgreed',
      data: {
        statementKey: `${COMPANY_LABEL}|STMT-2025-03-10`,
        statementId: 'STMT-2025-03-10',
        accountLabel: COMPANY_LABEL,
        currency: 'EUR',
        periodStart: '2025-03-10',
        periodEnd: '2025-03-10',
        basis: 'first_statement',
        statementOpening: { value: '1000.00', currency: 'EUR' },
        statementClosing: { value: '1000.00', currency: 'EUR' },
        ledgerOpening: { value: '1000.00', currency: 'EUR' },
        ledgerClosing: { value: '1000.00', currency: 'EUR' },
        difference: { value: '0.00', currency: 'EUR' },
        ledgerMovements: [
          {
            paymentId: 'pay-1',
            leg: 'settlement',
            amount: { value: '-100.00', currency: 'EUR' },
            date: '2025-03-10',
          },
          {
            paymentId: 'pay-2',
            leg: 'return',
            amount: { value: '100.00', currency: 'EUR' },
            date: '2025-03-10',
          },
        ],
      },
    });
  });

  it('finds a difference and lists the unmatched entry, the missing payment and the mismatch that explain it', () => {
    const events = reconcileStatement(
      statement(
        [
          debit({
            entryReference: 'fee',
            amount: { value: '5.00', currency: 'EUR' },
            counterparty: undefined,
          }),
          debit({
            entryReference: 'short',
            endToEndId: 'pay-2',
            amount: { value: '99.00', currency: 'EUR' },
          }),
        ],
        { from: '2025-03-06', to: '2025-03-10' },
      ),
      [payment('pay-1', { settledOn: '2025-03-06' }), payment('pay-2', { settledOn: '2025-03-09' })],
      {},
    );
    const found = difference(events);
    // Bank: 1000 − 5 − 99 = 896. Ledger: 1000 − 100 − 100 = 800.
    expect(found).toMatchObject({
      statementClosing: { value: '896.00', currency: 'EUR' },
      ledgerClosing: { value: '800.00', currency: 'EUR' },
      difference: { value: '96.00', currency: 'EUR' },
    });
    expect(found.explanation).toStrictEqual({
      previousDifference: { value: '0.00', currency: 'EUR' },
      openingGap: { value: '0.00', currency: 'EUR' },
      items: [
        {
          kind: 'unmatched_entry',
          contribution: { value: '-5.00', currency: 'EUR' },
          line: '0',
          entryReference: 'fee',
        },
        {
          kind: 'amount_mismatch',
          contribution: { value: '1.00', currency: 'EUR' },
          line: '1',
          entryReference: 'short',
          paymentId: 'pay-2',
        },
        {
          kind: 'not_on_statement',
          contribution: { value: '100.00', currency: 'EUR' },
          paymentId: 'pay-1',
          missing: true,
        },
      ],
      explained: { value: '96.00', currency: 'EUR' },
      unexplained: { value: '0.00', currency: 'EUR' },
      fullyExplained: true,
    });
    expect(ofType(events, 'PaymentMissingFromStatement').map((m) => m.paymentId)).toStrictEqual(['pay-1']);
  });

  it('chains from the previous comparison, counts each movement once, and lets a timing difference resolve', () => {
    // Day 1: the bank books pay-1 on the 10th; the ledger only settles it on the 11th.
    const day1 = reconcileStatement(
      statement([debit({ endToEndId: 'pay-1' })]),
      [payment('pay-1', { settledOn: '2025-03-11' })],
      {},
    );
    const first = difference(day1);
    expect(first.ledgerMovements).toStrictEqual([]);
    expect(first.difference).toStrictEqual({ value: '-100.00', currency: 'EUR' });
    expect(first.explanation.items).toStrictEqual([
      {
        kind: 'booked_outside_ledger_period',
        contribution: { value: '-100.00', currency: 'EUR' },
        line: '0',
        entryReference: 'E-1',
        paymentId: 'pay-1',
      },
    ]);
    // Day 2: nothing booked; the ledger's settlement of the 11th is counted now, and the difference is gone.
    const day2 = reconcileStatement(
      statement([], {
        statementId: 'STMT-2025-03-11',
        from: '2025-03-11',
        to: '2025-03-11',
        opening: '900.00',
      }),
      [
        payment('pay-1', { settledOn: '2025-03-11', settlementMatchedIn: 'STMT-2025-03-10' }),
        payment('pay-0', {
          settledOn: '2025-03-10',
          settlementCountedIn: 'STMT-2025-03-10',
          settlementMatchedIn: 'X',
        }),
      ],
      {
        reconciledSince: '2025-03-10',
        previous: {
          statementId: 'STMT-2025-03-10',
          periodEnd: '2025-03-10',
          statementClosing: first.statementClosing,
          ledgerClosing: first.ledgerClosing,
          difference: first.difference,
        },
      },
    );
    expect(day2.at(-1)).toMatchObject({
      type: 'BankBalanceAgreed',
      data: {
        basis: 'previous_comparison',
        previousStatementId: 'STMT-2025-03-10',
        ledgerOpening: { value: '1000.00', currency: 'EUR' },
        ledgerClosing: { value: '900.00', currency: 'EUR' },
        ledgerMovements: [
          {
            paymentId: 'pay-1',
            leg: 'settlement',
            amount: { value: '-100.00', currency: 'EUR' },
            date: '2025-03-11',
          },
        ],
      },
    });
  });

  it('counts a movement dated before the first statement when the statement books it', () => {
    const events = reconcileStatement(
      statement([debit({ endToEndId: 'pay-1' })]),
      [payment('pay-1', { settledOn: '2025-03-09' })],
      {},
    );
    expect(events.at(-1)?.type).toBe('BankBalanceAgreed');
    const unbooked = reconcileStatement(statement([]), [payment('pay-1', { settledOn: '2025-03-09' })], {});
    expect(unbooked.at(-1)?.type).toBe('BankBalanceAgreed');
  });

  it('carries the previous difference and an opening gap, and says so', () => {
    const events = reconcileStatement(
      statement([], { statementId: 'S-2', from: '2025-03-12', to: '2025-03-12', opening: '950.00' }),
      [],
      {
        reconciledSince: '2025-03-01',
        previous: {
          statementId: 'S-1',
          periodEnd: '2025-03-10',
          statementClosing: { value: '1000.00', currency: 'EUR' },
          ledgerClosing: { value: '990.00', currency: 'EUR' },
          difference: { value: '10.00', currency: 'EUR' },
        },
      },
    );
    expect(difference(events)).toMatchObject({
      ledgerOpening: { value: '990.00', currency: 'EUR' },
      difference: { value: '-40.00', currency: 'EUR' },
      explanation: {
        previousDifference: { value: '10.00', currency: 'EUR' },
        openingGap: { value: '-50.00', currency: 'EUR' },
        items: [],
        explained: { value: '-40.00', currency: 'EUR' },
        fullyExplained: true,
      },
    });
  });

  it('says the difference is not fully explained when the statement does not add up', () => {
    const events = reconcileStatement(
      statement([debit({ endToEndId: 'pay-1' })], { closing: '905.00' }),
      [payment('pay-1')],
      {},
    );
    expect(difference(events).explanation).toMatchObject({
      items: [],
      explained: { value: '0.00', currency: 'EUR' },
      unexplained: { value: '5.00', currency: 'EUR' },
      fullyExplained: false,
    });
  });

  it("works in the currency's own decimals and with negative balances", () => {
    const events = reconcileStatement(
      {
        ...statement([]),
        statement: {
          ...statement([]).statement,
          currency: 'JPY',
          openingBalance: { amount: { value: '-5000', currency: 'JPY' }, date: '2025-03-10' },
          closingBalance: { amount: { value: '-6000', currency: 'JPY' }, date: '2025-03-10' },
          entries: [debit({ endToEndId: 'pay-1', amount: { value: '1000', currency: 'JPY' } })],
        },
      },
      [payment('pay-1', { amount: { value: '1000', currency: 'JPY' } })],
      {},
    );
    expect(events.at(-1)).toMatchObject({
      type: 'BankBalanceAgreed',
      data: {
        ledgerClosing: { value: '-6000', currency: 'JPY' },
        difference: { value: '0', currency: 'JPY' },
      },
    });
  });
});
