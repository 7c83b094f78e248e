import { MoneyJson } from '../money';
import { DomainEvent } from './domain-event';
import { AccountJson } from './shared';

/**
 * Reconciliation of one bank statement (camt.053 `Stmt`) against the ledger, all in the statement's own
 * stream (`bankStatementStreamId`), written in one append: the statement, one outcome per entry line, the
 * payments missing from the bank's statements, and the balance comparison.
 *
 * Amounts are `MoneyJson` in the statement's currency. Fields documented as *signed* may start with `-`
 * (a balance, a difference, a movement: money into the account is positive, money out negative); every
 * other amount is positive.
 */

/** `DBIT`: money left the account; `CRDT`: money came in. */
export type CreditDebit = 'DBIT' | 'CRDT';

/** Which ledger movement of a payment an entry books: the payment itself, or the money coming back. */
export type PaymentLeg = 'settlement' | 'return';

/** How an entry line found its payment. */
export type MatchRule = 'end_to_end_id' | 'amount_creditor_date';

/** A signed balance as the statement states it. */
export interface StatementBalanceJson {
  /** Signed. */
  readonly amount: MoneyJson;
  /** ISO date `YYYY-MM-DD`. */
  readonly date: string;
}

export interface BankStatementReceivedData {
  /** `<account label>|<statement id, URI-encoded>`: the statement's identity, also in its stream name. */
  readonly statementKey: string;
  /** The bank's statement id (`Stmt/Id`). */
  readonly statementId: string;
  readonly account: AccountJson;
  /** `accountLabel(account)`. */
  readonly accountLabel: string;
  readonly currency: string;
  /** The camt.053 message (`GrpHdr/MsgId`) and version it came in. */
  readonly messageId: string;
  readonly messageVersion: 'camt.053.001.08' | 'camt.053.001.02';
  readonly creationDateTime: string;
  /** Calendar dates the statement covers, inclusive (`FrToDt`, else the balances' dates). */
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly openingBalance: StatementBalanceJson;
  readonly closingBalance: StatementBalanceJson;
  /** Booked entries in the statement (an entry booking several transfers counts once). */
  readonly entryCount: number;
  /** SHA-256 of the statement's content: the same statement id with other content is refused. */
  readonly fingerprint: string;
  readonly via: 'bank-feed' | 'upload';
  /** The matching options in force, so the outcome can be explained later. */
  readonly options: {
    readonly toleranceDays: number;
    readonly missingAfterDays: number;
    readonly lookbackDays: number;
  };
}

/** What every entry outcome says about the entry line. */
export interface StatementEntryLineData {
  readonly statementKey: string;
  readonly statementId: string;
  readonly accountLabel: string;
  /** `<entry index>` or, for one transfer of a batch-booked entry, `<entry index>.<transfer index>` (0-based). */
  readonly line: string;
  /** The bank's entry reference (`NtryRef`). */
  readonly entryReference: string;
  readonly creditDebit: CreditDebit;
  /** The line's amount as booked. */
  readonly amount: MoneyJson;
  readonly bookingDate: string;
  readonly valueDate: string;
  readonly endToEndId?: string;
  readonly bankReference?: string;
}

/** The line booked the payment leg at the amount the ledger expects. */
export interface StatementEntryMatchedData extends StatementEntryLineData {
  readonly paymentId: string;
  readonly claimId: string;
  readonly leg: PaymentLeg;
  readonly matchedBy: MatchRule;
  /** The ledger's date of the leg (settled or returned), and booking date minus it, in days. */
  readonly ledgerDate: string;
  readonly dayDifference: number;
}

/** Matched by end-to-end id, but the bank booked another amount than the ledger's. An exception. */
export interface StatementEntryAmountMismatchData extends StatementEntryMatchedData {
  readonly expected: MoneyJson;
  /** Signed: booked − expected. */
  readonly difference: MoneyJson;
}

export type UnmatchedReason =
  /** No payment of the account fits the line (a fee, interest, a top-up, a transfer the ledger never made). */
  | 'no_candidate'
  /** The end-to-end id names a payment whose leg an earlier line or statement already matched. */
  | 'payment_already_matched'
  /** The end-to-end id names a payment the ledger does not know as settled (a debit) or returned (a credit). */
  | 'payment_not_settled'
  | 'payment_not_returned'
  /** The end-to-end id names a payment debited from another account or in another currency. */
  | 'payment_of_other_account'
  /** A batch-booked entry whose transfers do not state amounts adding up to it: it cannot be split. */
  | 'unsplittable_batch_entry';

export interface StatementEntryUnmatchedData extends StatementEntryLineData {
  readonly reason: UnmatchedReason;
  /** The payment the end-to-end id names, when the ledger knows it. */
  readonly paymentId?: string;
  readonly counterpartyName?: string;
  readonly counterpartyAccountLabel?: string;
}

/**
 * A payment the ledger settled from this account at least `missingAfterDays` days before the statement's end
 * that no statement has booked yet. Recorded once per payment. An exception.
 */
export interface PaymentMissingFromStatementData {
  readonly statementKey: string;
  readonly statementId: string;
  readonly accountLabel: string;
  readonly paymentId: string;
  readonly claimId: string;
  readonly amount: MoneyJson;
  readonly settledOn: string;
  /** The statement's period end minus `settledOn`, in days. */
  readonly daysOutstanding: number;
  readonly missingAfterDays: number;
}

/** One ledger movement of the account counted in a balance comparison. */
export interface LedgerMovementJson {
  readonly paymentId: string;
  readonly leg: PaymentLeg;
  /** Signed: a settlement takes money out (negative), a return brings it back (positive). */
  readonly amount: MoneyJson;
  readonly date: string;
}

export type BalanceExplanationKind =
  /** A line no payment matched: the bank moved money the ledger does not know of. */
  | 'unmatched_entry'
  /** A matched line booked at another amount than the ledger's. */
  | 'amount_mismatch'
  /** A line matched to a payment leg the ledger dates outside what this comparison counts. */
  | 'booked_outside_ledger_period'
  /** A ledger movement this comparison counts that this statement does not book (a missing payment). */
  | 'not_on_statement';

export interface BalanceExplanationItem {
  readonly kind: BalanceExplanationKind;
  /** Signed: what the item adds to the difference (statement − ledger). */
  readonly contribution: MoneyJson;
  readonly line?: string;
  readonly entryReference?: string;
  readonly paymentId?: string;
  /** For `not_on_statement`: the statement that booked the leg before, if one did. */
  readonly bookedInStatementId?: string;
  /** For `not_on_statement`: the payment is (or is now) reported missing. */
  readonly missing?: boolean;
}

/**
 * The ledger's view of the bank account against the statement's closing balance (see the README,
 * "Reconciliation", for the definition):
 *
 *   ledgerOpening = the statement's opening balance (the account's first statement), else the previous
 *                   comparison's ledgerClosing;
 *   ledgerClosing = ledgerOpening + Σ ledgerMovements;
 *   difference    = statementClosing − ledgerClosing.
 */
export interface BankBalanceComparisonData {
  readonly statementKey: string;
  readonly statementId: string;
  readonly accountLabel: string;
  readonly currency: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly basis: 'first_statement' | 'previous_comparison';
  readonly previousStatementId?: string;
  /** Signed amounts. */
  readonly statementOpening: MoneyJson;
  readonly statementClosing: MoneyJson;
  readonly ledgerOpening: MoneyJson;
  readonly ledgerClosing: MoneyJson;
  readonly difference: MoneyJson;
  /**
   * Every settlement and return of a payment debited from the account, in the statement's currency, dated on
   * or before the period end, on or after the account's first statement's period start (and within the
   * lookback), and not counted by an earlier comparison.
   */
  readonly ledgerMovements: readonly LedgerMovementJson[];
}

export type BankBalanceAgreedData = BankBalanceComparisonData;

/**
 * A non-zero difference, with what explains it. By construction
 * `difference = previousDifference + openingGap + Σ items + statementInconsistency`, so
 * `explained = previousDifference + openingGap + Σ items`, `unexplained = difference − explained`, which is
 * the statement's own inconsistency (closing ≠ opening + entries), and `fullyExplained` is `unexplained = 0`.
 */
export interface BankBalanceDifferenceFoundData extends BankBalanceComparisonData {
  readonly explanation: {
    /** Signed: the previous comparison's difference, carried forward (zero for a first statement). */
    readonly previousDifference: MoneyJson;
    /** Signed: this statement's opening − the previous statement's closing (a statement not received). */
    readonly openingGap: MoneyJson;
    readonly items: readonly BalanceExplanationItem[];
    /** Signed. */
    readonly explained: MoneyJson;
    readonly unexplained: MoneyJson;
    readonly fullyExplained: boolean;
  };
}

export type BankStatementReceived = DomainEvent<'BankStatementReceived', BankStatementReceivedData>;
export type StatementEntryMatched = DomainEvent<'StatementEntryMatched', StatementEntryMatchedData>;
export type StatementEntryAmountMismatch = DomainEvent<
  'StatementEntryAmountMismatch',
  StatementEntryAmountMismatchData
>;
export type StatementEntryUnmatched = DomainEvent<'StatementEntryUnmatched', StatementEntryUnmatchedData>;
export type PaymentMissingFromStatement = DomainEvent<
  'PaymentMissingFromStatement',
  PaymentMissingFromStatementData
>;
export type BankBalanceAgreed = DomainEvent<'BankBalanceAgreed', BankBalanceAgreedData>;
export type BankBalanceDifferenceFound = DomainEvent<
  'BankBalanceDifferenceFound',
  BankBalanceDifferenceFoundData
>;

export type ReconciliationEvent =
  | BankStatementReceived
  | StatementEntryMatched
  | StatementEntryAmountMismatch
  | StatementEntryUnmatched
  | PaymentMissingFromStatement
  | BankBalanceAgreed
  | BankBalanceDifferenceFound;

export type ReconciliationEventType = ReconciliationEvent['type'];

export const RECONCILIATION_EVENT_SCHEMA_VERSIONS: { readonly [T in ReconciliationEventType]: number } = {
  BankStatementReceived: 1,
  StatementEntryMatched: 1,
  StatementEntryAmountMismatch: 1,
  StatementEntryUnmatched: 1,
  PaymentMissingFromStatement: 1,
  BankBalanceAgreed: 1,
  BankBalanceDifferenceFound: 1,
};

export const RECONCILIATION_EVENT_TYPES = Object.keys(
  RECONCILIATION_EVENT_SCHEMA_VERSIONS,
) as readonly ReconciliationEventType[];

export function isReconciliationEvent(event: { readonly type: string }): event is ReconciliationEvent {
  return Object.prototype.hasOwnProperty.call(RECONCILIATION_EVENT_SCHEMA_VERSIONS, event.type);
}
