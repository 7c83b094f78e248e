import {
  BalanceExplanationItem,
  BankBalanceComparisonData,
  compactId,
  LedgerMovementJson,
  MatchRule,
  MoneyJson,
  PaymentLeg,
  ReconciliationEvent,
  StatementEntryLineData,
  UnmatchedReason,
} from '@ledger/events';
import { ReconciliationError } from './reconciliation-error';
import {
  addDays,
  checkStatement,
  CheckedStatement,
  daysBetween,
  signedAmount,
  signedJson,
  StatementInput,
  StatementLine,
} from './statement-lines';

export interface ReconciliationOptions {
  /** Rule 2 accepts a booking date this many days either side of the ledger's date (default 2). */
  readonly toleranceDays: number;
  /** A settled payment no statement booked this many days after settlement is reported missing (default 3). */
  readonly missingAfterDays: number;
  /**
   * How far before the statement's end the ledger's movements are looked at (default 45): the service reads
   * payments changed since then, and this comparison counts no movement dated earlier (unless the statement
   * books it).
   */
  readonly lookbackDays: number;
}

export const DEFAULT_RECONCILIATION_OPTIONS: ReconciliationOptions = {
  toleranceDays: 2,
  missingAfterDays: 3,
  lookbackDays: 45,
};

/** The statement to reconcile and where it came from. */
export interface StatementToReconcile {
  readonly statement: StatementInput;
  readonly messageId: string;
  readonly messageVersion: 'camt.053.001.08' | 'camt.053.001.02';
  /** SHA-256 of the statement's content, computed by the caller (the domain does no hashing). */
  readonly fingerprint: string;
  readonly via: 'bank-feed' | 'upload';
}

/**
 * A payment as the ledger knows it (payments read model) and what earlier statements recorded about it
 * (reconciliation read model). Statuses are the payments read model's.
 */
export interface LedgerPayment {
  readonly paymentId: string;
  readonly claimId: string;
  readonly status: string;
  readonly debtorAccountLabel: string;
  readonly creditorAccountLabel: string;
  readonly amount: MoneyJson;
  /** Calendar date the ledger recorded the settlement / the return. */
  readonly settledOn?: string;
  readonly returnedOn?: string;
  /** Statement ids that matched each leg, counted it in a balance comparison, reported it missing. */
  readonly settlementMatchedIn?: string;
  readonly returnMatchedIn?: string;
  readonly settlementCountedIn?: string;
  readonly returnCountedIn?: string;
  readonly missingReportedIn?: string;
}

/** The account's reconciliation so far, in the statement's currency. */
export interface LedgerAccountState {
  /** The last balance comparison; absent before the account's first statement. */
  readonly previous?: {
    readonly statementId: string;
    readonly periodEnd: string;
    /** Signed amounts. */
    readonly statementClosing: MoneyJson;
    readonly ledgerClosing: MoneyJson;
    readonly difference: MoneyJson;
  };
  /** The first statement's period start: where the ledger's view of the account begins. */
  readonly reconciledSince?: string;
}

interface Leg {
  readonly payment: LedgerPayment;
  readonly leg: PaymentLeg;
  readonly amount: bigint;
  readonly date: string;
  readonly key: string;
}

type LineOutcome =
  | { readonly kind: 'matched'; readonly leg: Leg; readonly rule: MatchRule }
  | { readonly kind: 'unmatched'; readonly reason: UnmatchedReason; readonly paymentId?: string };

/**
 * Reconciles one statement: what each entry line booked, which settled payments no statement books, and the
 * bank balance against the ledger's. Pure: the caller reads the payments and the account's state from the
 * read models and appends the events, all in the statement's stream.
 *
 * Matching, per line (an entry, or each transfer of a batch-booked entry whose transfer amounts add up):
 * 1. By end-to-end id: the id names a payment (its id, or a UUID's 32 hex digits as it travels in ISO
 *    20022). A debit books the payment's settlement, a credit its return. If that leg is free the line
 *    matches it, at the ledger's amount (`StatementEntryMatched`) or not (`StatementEntryAmountMismatch`);
 *    otherwise the line is unmatched with the reason. A line whose id names a payment never goes to rule 2.
 * 2. By amount, currency, creditor and date: the same amount, the counterparty account equal to the
 *    payment's payee account, and the booking date within `toleranceDays` of the ledger's date of the leg.
 *    Among all such pairs, the closest dates win first (then line order, ledger date, payment id), each line
 *    and each leg used once.
 * A leg is free when the payment is debited from the statement's account in its currency, the ledger has it
 * (settled or returned for a settlement; returned for a return), and no earlier line or statement matched it.
 * So no line matches two payments, and no payment leg two lines.
 *
 * Missing: a settlement leg dated on or after the account's first statement's period start (and within
 * the lookback) that no statement has booked, not reported before, at least `missingAfterDays` before the
 * period end: `PaymentMissingFromStatement`, once per payment.
 *
 * Balance: see `compareBalance`.
 */
export function reconcileStatement(
  input: StatementToReconcile,
  candidates: readonly LedgerPayment[],
  ledger: LedgerAccountState,
  options: ReconciliationOptions = DEFAULT_RECONCILIATION_OPTIONS,
): ReconciliationEvent[] {
  checkOptions(options);
  const statement = checkStatement(input.statement);
  const previous = ledger.previous;
  if (previous !== undefined && statement.periodEnd < previous.periodEnd) {
    throw new ReconciliationError(
      'RECONCILIATION.STATEMENT_OUT_OF_ORDER',
      `statement ${input.statement.statementId} ends ${statement.periodEnd}, before the last reconciled statement ` +
        `${previous.statementId} (${previous.periodEnd}); statements are reconciled in order`,
      { lastStatementId: previous.statementId, lastPeriodEnd: previous.periodEnd },
    );
  }
  const reconciledSince = ledger.reconciledSince ?? statement.periodStart;
  const countFrom = maxDate(reconciledSince, addDays(statement.periodEnd, -options.lookbackDays));
  const payments = candidates.filter(
    (p) => p.debtorAccountLabel === statement.accountLabel && p.amount.currency === statement.currency,
  );
  const outcomes = matchLines(statement, candidates, payments, options);
  const matchedKeys = new Set<string>();
  for (const outcome of outcomes.values()) if (outcome.kind === 'matched') matchedKeys.add(outcome.leg.key);

  const statementId = input.statement.statementId;
  const base = { statementKey: statement.statementKey, statementId, accountLabel: statement.accountLabel };
  const events: ReconciliationEvent[] = [
    {
      type: 'BankStatementReceived',
      data: {
        ...base,
        account: input.statement.account,
        currency: statement.currency,
        messageId: input.messageId,
        messageVersion: input.messageVersion,
        creationDateTime: input.statement.creationDateTime,
        periodStart: statement.periodStart,
        periodEnd: statement.periodEnd,
        openingBalance: {
          amount: signedJson(statement.opening, statement.currency),
          date: input.statement.openingBalance.date.slice(0, 10),
        },
        closingBalance: {
          amount: signedJson(statement.closing, statement.currency),
          date: input.statement.closingBalance.date.slice(0, 10),
        },
        entryCount: input.statement.entries.length,
        fingerprint: input.fingerprint,
        via: input.via,
        options: {
          toleranceDays: options.toleranceDays,
          missingAfterDays: options.missingAfterDays,
          lookbackDays: options.lookbackDays,
        },
      },
    },
  ];
  for (const line of statement.lines) {
    events.push(lineEvent(base, statement.currency, line, outcomes.get(line.line)!));
  }

  const missing = payments
    .flatMap((p) => legsOf(p).filter((l) => l.leg === 'settlement'))
    .filter(
      (l) =>
        l.payment.settlementMatchedIn === undefined &&
        l.payment.missingReportedIn === undefined &&
        !matchedKeys.has(l.key) &&
        l.date >= reconciledSince &&
        l.date >= countFrom &&
        daysBetween(l.date, statement.periodEnd) >= options.missingAfterDays,
    )
    .sort(byDateThenPayment);
  for (const leg of missing) {
    events.push({
      type: 'PaymentMissingFromStatement',
      data: {
        ...base,
        paymentId: leg.payment.paymentId,
        claimId: leg.payment.claimId,
        amount: signedJson(leg.amount, statement.currency),
        settledOn: leg.date,
        daysOutstanding: daysBetween(leg.date, statement.periodEnd),
        missingAfterDays: options.missingAfterDays,
      },
    });
  }

  events.push(
    compareBalance(statement, input.statement.statementId, payments, outcomes, ledger, {
      countFrom,
      missing: new Set(missing.map((l) => l.key)),
    }),
  );
  return events;
}

/**
 * The ledger's view of the bank account against the statement's closing balance:
 *
 * - ledger opening: the statement's own opening balance for the account's first statement (the ledger does
 *   not know the company's funding, so the bank's word is the starting point); afterwards the previous
 *   comparison's ledger closing.
 * - ledger movements: each settlement (out, negative) and return (back, positive) of a payment debited from
 *   the account in the statement's currency, dated on or before the period end, not counted by an earlier
 *   comparison, and dated on or after `countFrom` (the first statement's period start, or the lookback if
 *   later) unless a line of this statement books it (then the bank's opening did not include it).
 *   Counting what was not counted before, rather than a fixed date range, means a settlement the ledger
 *   learns of after its day's statement was reconciled is counted in the next one, not lost.
 * - ledger closing = ledger opening + Σ movements; difference = statement closing − ledger closing.
 *
 * Zero: `BankBalanceAgreed`. Otherwise `BankBalanceDifferenceFound` with what explains it: the previous
 * difference carried forward, the opening gap (this opening − the previous statement's closing), and items:
 * each unmatched line (its signed amount), each matched line the ledger does not count now (its signed
 * amount), each matched line counted at another amount (booked − expected), each counted movement this
 * statement does not book (minus the movement). These add up to the difference unless the statement itself
 * does not add up (closing ≠ opening + Σ entries), which is what `unexplained` then shows.
 */
function compareBalance(
  statement: CheckedStatement,
  statementId: string,
  payments: readonly LedgerPayment[],
  outcomes: ReadonlyMap<string, LineOutcome>,
  ledger: LedgerAccountState,
  context: { readonly countFrom: string; readonly missing: ReadonlySet<string> },
): ReconciliationEvent {
  const currency = statement.currency;
  const money = (units: bigint) => signedJson(units, currency);
  const booked = new Map<string, StatementLine>();
  for (const line of statement.lines) {
    const outcome = outcomes.get(line.line)!;
    if (outcome.kind === 'matched') booked.set(outcome.leg.key, line);
  }
  const counted = payments
    .flatMap(legsOf)
    .filter((l) => countedIn(l) === undefined && l.date <= statement.periodEnd)
    .filter((l) => l.date >= context.countFrom || booked.has(l.key))
    .sort(byDateThenPayment);
  const countedKeys = new Set(counted.map((l) => l.key));
  const previous = ledger.previous;
  const ledgerOpening =
    previous === undefined
      ? statement.opening
      : signedAmount(previous.ledgerClosing, currency, 'ledgerClosing');
  const movement = (l: Leg) => (l.leg === 'settlement' ? -l.amount : l.amount);
  const ledgerClosing = counted.reduce((sum, l) => sum + movement(l), ledgerOpening);
  const difference = statement.closing - ledgerClosing;
  const ledgerMovements: LedgerMovementJson[] = counted.map((l) => ({
    paymentId: l.payment.paymentId,
    leg: l.leg,
    amount: money(movement(l)),
    date: l.date,
  }));
  const comparison: BankBalanceComparisonData = {
    statementKey: statement.statementKey,
    statementId,
    accountLabel: statement.accountLabel,
    currency,
    periodStart: statement.periodStart,
    periodEnd: statement.periodEnd,
    basis: previous === undefined ? 'first_statement' : 'previous_comparison',
    ...(previous !== undefined ? { previousStatementId: previous.statementId } : {}),
    statementOpening: money(statement.opening),
    statementClosing: money(statement.closing),
    ledgerOpening: money(ledgerOpening),
    ledgerClosing: money(ledgerClosing),
    difference: money(difference),
    ledgerMovements,
  };
  if (difference === 0n) return { type: 'BankBalanceAgreed', data: comparison };

  const signed = (line: StatementLine) => (line.creditDebit === 'CRDT' ? line.amount : -line.amount);
  const items: BalanceExplanationItem[] = [];
  for (const line of statement.lines) {
    const outcome = outcomes.get(line.line)!;
    const at = { line: line.line, entryReference: line.entryReference };
    if (outcome.kind === 'unmatched') {
      items.push({ kind: 'unmatched_entry', contribution: money(signed(line)), ...at });
    } else if (!countedKeys.has(outcome.leg.key)) {
      items.push({
        kind: 'booked_outside_ledger_period',
        contribution: money(signed(line)),
        ...at,
        paymentId: outcome.leg.payment.paymentId,
      });
    } else if (line.amount !== outcome.leg.amount) {
      items.push({
        kind: 'amount_mismatch',
        contribution: money(signed(line) - movement(outcome.leg)),
        ...at,
        paymentId: outcome.leg.payment.paymentId,
      });
    }
  }
  for (const leg of counted) {
    if (booked.has(leg.key)) continue;
    const bookedIn = leg.leg === 'settlement' ? leg.payment.settlementMatchedIn : leg.payment.returnMatchedIn;
    const missing =
      leg.leg === 'settlement' &&
      (leg.payment.missingReportedIn !== undefined || context.missing.has(leg.key));
    items.push({
      kind: 'not_on_statement',
      contribution: money(-movement(leg)),
      paymentId: leg.payment.paymentId,
      ...(bookedIn !== undefined ? { bookedInStatementId: bookedIn } : {}),
      ...(leg.leg === 'settlement' ? { missing } : {}),
    });
  }
  const previousDifference =
    previous === undefined ? 0n : signedAmount(previous.difference, currency, 'previous.difference');
  const openingGap =
    previous === undefined
      ? 0n
      : statement.opening - signedAmount(previous.statementClosing, currency, 'previous.statementClosing');
  const explained =
    previousDifference +
    openingGap +
    items.reduce((sum, item) => sum + signedAmount(item.contribution, currency, 'contribution'), 0n);
  return {
    type: 'BankBalanceDifferenceFound',
    data: {
      ...comparison,
      explanation: {
        previousDifference: money(previousDifference),
        openingGap: money(openingGap),
        items,
        explained: money(explained),
        unexplained: money(difference - explained),
        fullyExplained: difference === explained,
      },
    },
  };
}

function matchLines(
  statement: CheckedStatement,
  everyPayment: readonly LedgerPayment[],
  payments: readonly LedgerPayment[],
  options: ReconciliationOptions,
): Map<string, LineOutcome> {
  const outcomes = new Map<string, LineOutcome>();
  const used = new Set<string>();
  const byEndToEndId = new Map<string, LedgerPayment>();
  for (const payment of everyPayment) {
    byEndToEndId.set(payment.paymentId, payment);
    byEndToEndId.set(isoEndToEndId(payment.paymentId), payment);
  }
  const free = new Map<string, Leg>();
  for (const payment of payments)
    for (const leg of legsOf(payment)) if (!matchedBefore(leg)) free.set(leg.key, leg);

  // Rule 1: the end-to-end id names the payment.
  for (const line of statement.lines) {
    if (line.unsplittable) {
      outcomes.set(line.line, { kind: 'unmatched', reason: 'unsplittable_batch_entry' });
      continue;
    }
    const payment = line.endToEndId === undefined ? undefined : lookup(byEndToEndId, line.endToEndId);
    if (payment === undefined) continue;
    const legName: PaymentLeg = line.creditDebit === 'DBIT' ? 'settlement' : 'return';
    const key = legKey(payment.paymentId, legName);
    const paymentId = payment.paymentId;
    if (
      payment.debtorAccountLabel !== statement.accountLabel ||
      payment.amount.currency !== statement.currency
    ) {
      outcomes.set(line.line, { kind: 'unmatched', reason: 'payment_of_other_account', paymentId });
    } else if (!legsOf(payment).some((l) => l.leg === legName)) {
      const reason = legName === 'settlement' ? 'payment_not_settled' : 'payment_not_returned';
      outcomes.set(line.line, { kind: 'unmatched', reason, paymentId });
    } else if (used.has(key) || !free.has(key)) {
      outcomes.set(line.line, { kind: 'unmatched', reason: 'payment_already_matched', paymentId });
    } else {
      used.add(key);
      outcomes.set(line.line, { kind: 'matched', leg: free.get(key)!, rule: 'end_to_end_id' });
    }
  }

  // Rule 2: amount, currency (every leg here is in the statement's), creditor and date, closest first.
  const pairs: Array<{ line: StatementLine; order: number; leg: Leg; distance: number }> = [];
  statement.lines.forEach((line, order) => {
    if (outcomes.has(line.line) || line.counterpartyAccountLabel === undefined) return;
    const legName: PaymentLeg = line.creditDebit === 'DBIT' ? 'settlement' : 'return';
    for (const leg of free.values()) {
      if (leg.leg !== legName || used.has(leg.key)) continue;
      if (leg.amount !== line.amount || leg.payment.creditorAccountLabel !== line.counterpartyAccountLabel)
        continue;
      const distance = Math.abs(daysBetween(leg.date, line.bookingDate));
      if (distance <= options.toleranceDays) pairs.push({ line, order, leg, distance });
    }
  });
  pairs.sort(
    (a, b) =>
      a.distance - b.distance ||
      a.order - b.order ||
      compare(a.leg.date, b.leg.date) ||
      compare(a.leg.payment.paymentId, b.leg.payment.paymentId),
  );
  for (const pair of pairs) {
    if (outcomes.has(pair.line.line) || used.has(pair.leg.key)) continue;
    used.add(pair.leg.key);
    outcomes.set(pair.line.line, { kind: 'matched', leg: pair.leg, rule: 'amount_creditor_date' });
  }

  for (const line of statement.lines) {
    if (!outcomes.has(line.line)) outcomes.set(line.line, { kind: 'unmatched', reason: 'no_candidate' });
  }
  return outcomes;
}

function lineEvent(
  base: { statementKey: string; statementId: string; accountLabel: string },
  currency: string,
  line: StatementLine,
  outcome: LineOutcome,
): ReconciliationEvent {
  const data: StatementEntryLineData = {
    ...base,
    line: line.line,
    entryReference: line.entryReference,
    creditDebit: line.creditDebit,
    amount: signedJson(line.amount, currency),
    bookingDate: line.bookingDate,
    valueDate: line.valueDate,
    ...(line.endToEndId !== undefined ? { endToEndId: line.endToEndId } : {}),
    ...(line.bankReference !== undefined ? { bankReference: line.bankReference } : {}),
  };
  if (outcome.kind === 'unmatched') {
    return {
      type: 'StatementEntryUnmatched',
      data: {
        ...data,
        reason: outcome.reason,
        ...(outcome.paymentId !== undefined ? { paymentId: outcome.paymentId } : {}),
        ...(line.counterpartyName !== undefined ? { counterpartyName: line.counterpartyName } : {}),
        ...(line.counterpartyAccountLabel !== undefined
          ? { counterpartyAccountLabel: line.counterpartyAccountLabel }
          : {}),
      },
    };
  }
  const { leg } = outcome;
  const matched = {
    ...data,
    paymentId: leg.payment.paymentId,
    claimId: leg.payment.claimId,
    leg: leg.leg,
    matchedBy: outcome.rule,
    ledgerDate: leg.date,
    dayDifference: daysBetween(leg.date, line.bookingDate),
  };
  if (leg.amount === line.amount) return { type: 'StatementEntryMatched', data: matched };
  return {
    type: 'StatementEntryAmountMismatch',
    data: {
      ...matched,
      expected: signedJson(leg.amount, currency),
      difference: signedJson(line.amount - leg.amount, currency),
    },
  };
}

/** The legs the ledger has for the payment: its settlement once settled (also when returned since), its return. */
function legsOf(payment: LedgerPayment): Leg[] {
  const legs: Leg[] = [];
  const amount = () => signedAmount(payment.amount, payment.amount.currency, 'payment.amount');
  const settled = payment.status === 'settled' || payment.status === 'returned';
  if (settled && payment.settledOn !== undefined) {
    legs.push({
      payment,
      leg: 'settlement',
      amount: amount(),
      date: payment.settledOn,
      key: legKey(payment.paymentId, 'settlement'),
    });
  }
  if (payment.status === 'returned' && payment.returnedOn !== undefined) {
    legs.push({
      payment,
      leg: 'return',
      amount: amount(),
      date: payment.returnedOn,
      key: legKey(payment.paymentId, 'return'),
    });
  }
  return legs;
}

function matchedBefore(leg: Leg): boolean {
  return (
    (leg.leg === 'settlement' ? leg.payment.settlementMatchedIn : leg.payment.returnMatchedIn) !== undefined
  );
}

function countedIn(leg: Leg): string | undefined {
  return leg.leg === 'settlement' ? leg.payment.settlementCountedIn : leg.payment.returnCountedIn;
}

function legKey(paymentId: string, leg: PaymentLeg): string {
  return `${paymentId}/${leg}`;
}

/**
 * The end-to-end id a payment id travels as: ISO 20022 ids have at most 35 characters, so the connector
 * sends a UUID as its 32 hex digits (`compactId` in libs/events), any other id as it is.
 */
export function isoEndToEndId(paymentId: string): string {
  return compactId(paymentId);
}

function lookup(byId: ReadonlyMap<string, LedgerPayment>, endToEndId: string): LedgerPayment | undefined {
  return (
    byId.get(endToEndId) ??
    (/^[0-9A-F]{32}$/i.test(endToEndId) ? byId.get(endToEndId.toLowerCase()) : undefined)
  );
}

function byDateThenPayment(a: Leg, b: Leg): number {
  return (
    compare(a.date, b.date) || compare(a.payment.paymentId, b.payment.paymentId) || compare(a.leg, b.leg)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function maxDate(a: string, b: string): string {
  return a > b ? a : b;
}

function checkOptions(options: ReconciliationOptions): void {
  for (const [name, max] of [
    ['toleranceDays', 31],
    ['missingAfterDays', 366],
    ['lookbackDays', 3660],
  ] as const) {
    const value = options[name];
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new RangeError(`reconciliation option ${name} must be a whole number of days from 0 to ${max}`);
    }
  }
}
