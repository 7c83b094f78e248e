import {
  BalanceExplanationItem,
  BankBalanceComparisonData,
  BankStatementReceivedData,
  CreditDebit,
  MatchRule,
  PaymentLeg,
  RecordedEvent,
  StatementEntryMatchedData,
  UnmatchedReason,
} from '@ledger/events';
import { DocumentRef, Projection, ReadModelDocument } from '../../projection';
import { decimal, known, minorUnits } from '../shared';

export const RECONCILIATION = 'reconciliation';
export const RECONCILIATION_PAYMENTS = 'reconciliation_payments';
export const RECONCILIATION_ACCOUNTS = 'reconciliation_accounts';

export const RECONCILIATION_STATUSES = ['matched', 'unmatched', 'exception'] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

export const RECONCILIATION_KINDS = [
  'entry_matched',
  'entry_unmatched',
  'amount_mismatch',
  'missing_payment',
  'balance_agreed',
  'balance_difference',
] as const;
export type ReconciliationItemKind = (typeof RECONCILIATION_KINDS)[number];

const STATUS_OF: Readonly<Record<ReconciliationItemKind, ReconciliationStatus>> = {
  entry_matched: 'matched',
  entry_unmatched: 'unmatched',
  amount_mismatch: 'exception',
  missing_payment: 'exception',
  balance_agreed: 'matched',
  balance_difference: 'exception',
};

/**
 * `reconciliation/<id>`: one outcome of a statement's reconciliation. Ids: `<statementKey>#<line>` for an
 * entry line, `missing:<paymentId>` for a missing payment (once per payment), `balance:<statementKey>` for a
 * balance comparison. Amounts are decimal strings in `currency`; `amount` is the line's booked amount, the
 * missing payment's amount, or the balance difference (signed).
 */
export interface ReconciliationItemDocument extends ReadModelDocument {
  readonly kind: ReconciliationItemKind;
  readonly status: ReconciliationStatus;
  readonly statementId: string;
  readonly statementKey: string;
  readonly accountLabel: string;
  readonly currency: string;
  /** The booking date, the settlement date of a missing payment, or the statement's period end. */
  readonly date: string;
  readonly amount: string;
  readonly recordedAt: string;
  readonly line?: string;
  readonly entryReference?: string;
  readonly creditDebit?: CreditDebit;
  readonly bookingDate?: string;
  readonly valueDate?: string;
  readonly endToEndId?: string;
  readonly bankReference?: string;
  readonly paymentId?: string;
  readonly claimId?: string;
  readonly leg?: PaymentLeg;
  readonly matchedBy?: MatchRule;
  readonly ledgerDate?: string;
  readonly dayDifference?: number;
  /** Amount mismatch: what the ledger paid, and booked − expected (signed). */
  readonly expected?: string;
  readonly difference?: string;
  readonly reason?: UnmatchedReason;
  readonly counterpartyName?: string;
  readonly counterpartyAccountLabel?: string;
  /** Missing payment. */
  readonly daysOutstanding?: number;
  /** A missing payment a later statement booked: the exception stays, with what resolved it. */
  readonly resolvedBy?: {
    readonly statementId: string;
    readonly line: string;
    readonly entryReference: string;
  };
  /** Balance comparison (signed amounts). */
  readonly periodStart?: string;
  readonly periodEnd?: string;
  readonly statementClosing?: string;
  readonly ledgerOpening?: string;
  readonly ledgerClosing?: string;
  readonly ledgerMovementCount?: number;
  readonly explanation?: {
    readonly previousDifference: string;
    readonly openingGap: string;
    readonly items: readonly (Omit<BalanceExplanationItem, 'contribution'> & {
      readonly contribution: string;
    })[];
    readonly explained: string;
    readonly unexplained: string;
    readonly fullyExplained: boolean;
  };
}

/**
 * `reconciliation_payments/<paymentId>`: what statements did with a payment, read back by reconciliation
 * itself (a leg is matched and counted once, a payment reported missing once). Statement ids.
 */
export interface ReconciliationPaymentDocument extends ReadModelDocument {
  readonly paymentId: string;
  readonly settlementMatchedIn?: string;
  readonly returnMatchedIn?: string;
  readonly settlementCountedIn?: string;
  readonly returnCountedIn?: string;
  readonly missingReportedIn?: string;
}

export interface StatusTotals {
  readonly count: number;
  /** Σ of the items' amounts (positive). */
  readonly amount: string;
}

/**
 * `reconciliation_accounts/<accountLabel>|<currency>`: the summary of one bank account in one currency.
 * `totals` counts entry lines and missing payments by status (balance comparisons are under `balances`);
 * `lastComparison` is what the next statement's balance comparison starts from.
 */
export interface ReconciliationAccountDocument extends ReadModelDocument {
  readonly accountLabel: string;
  readonly currency: string;
  readonly statements: number;
  /** The first statement's period start: where the ledger's view of the account begins. */
  readonly reconciledSince?: string;
  readonly lastStatement?: {
    readonly statementId: string;
    readonly statementKey: string;
    readonly periodStart: string;
    readonly periodEnd: string;
    readonly closingBalance: string;
    readonly via: 'bank-feed' | 'upload';
    readonly receivedAt: string;
  };
  readonly lastComparison?: {
    readonly statementId: string;
    readonly periodEnd: string;
    readonly statementClosing: string;
    readonly ledgerClosing: string;
    readonly difference: string;
    readonly agreed: boolean;
    readonly comparedAt: string;
  };
  readonly totals: Readonly<Record<ReconciliationStatus, StatusTotals>>;
  readonly exceptions: { readonly amount_mismatch: number; readonly missing_payment: number };
  readonly balances: { readonly agreed: number; readonly differences: number };
  readonly updatedAt: string;
}

export function reconciliationAccountId(accountLabel: string, currency: string): string {
  return `${accountLabel}|${currency}`;
}

export function reconciliationItemId(statementKey: string, line: string): string {
  return `${statementKey}#${line}`;
}

type Data = { readonly statementKey: string; readonly accountLabel: string };

/**
 * Reconciliation items, a summary per account and currency, and the per-payment facts reconciliation reads
 * back. Every event of a statement's stream carries the statement key and account; the currency of every
 * amount is the statement's. Written in collection order (items, payments, accounts), so an account's last
 * comparison is never stored ahead of the payments it counted.
 */
export const reconciliationProjection: Projection = {
  name: 'reconciliation',
  collections: [RECONCILIATION, RECONCILIATION_PAYMENTS, RECONCILIATION_ACCOUNTS],
  handles: [
    'BankStatementReceived',
    'StatementEntryMatched',
    'StatementEntryAmountMismatch',
    'StatementEntryUnmatched',
    'PaymentMissingFromStatement',
    'BankBalanceAgreed',
    'BankBalanceDifferenceFound',
  ],
  metadata: ['occurredAt'],

  touches(event) {
    const e = known(event);
    const account: DocumentRef = { collection: RECONCILIATION_ACCOUNTS, id: accountIdOf(event) };
    const payment = (id: string): DocumentRef => ({ collection: RECONCILIATION_PAYMENTS, id });
    const item = (id: string): DocumentRef => ({ collection: RECONCILIATION, id });
    switch (e.type) {
      case 'BankStatementReceived':
        return [account];
      case 'StatementEntryMatched':
      case 'StatementEntryAmountMismatch': {
        const refs = [
          item(reconciliationItemId(e.data.statementKey, e.data.line)),
          payment(e.data.paymentId),
          account,
        ];
        return e.data.leg === 'settlement' ? [...refs, item(`missing:${e.data.paymentId}`)] : refs;
      }
      case 'StatementEntryUnmatched':
        return [item(reconciliationItemId(e.data.statementKey, e.data.line)), account];
      case 'PaymentMissingFromStatement':
        return [item(`missing:${e.data.paymentId}`), payment(e.data.paymentId), account];
      case 'BankBalanceAgreed':
      case 'BankBalanceDifferenceFound': {
        const ids = [...new Set(e.data.ledgerMovements.map((m) => m.paymentId))];
        return [item(`balance:${e.data.statementKey}`), ...ids.map(payment), account];
      }
      default:
        return [];
    }
  },

  apply(document, event, ref) {
    switch (ref.collection) {
      case RECONCILIATION:
        return nextItem(document as ReconciliationItemDocument | undefined, event, ref.id);
      case RECONCILIATION_PAYMENTS:
        return nextPayment(document as ReconciliationPaymentDocument | undefined, event, ref.id);
      default:
        return nextAccount(document as ReconciliationAccountDocument | undefined, event, ref.id);
    }
  },
};

function accountIdOf(event: RecordedEvent): string {
  const data = event.data as Data & {
    readonly currency?: string;
    readonly amount?: { readonly currency: string };
  };
  const currency = data.currency ?? data.amount?.currency ?? '';
  return reconciliationAccountId(data.accountLabel, currency);
}

function nextItem(
  doc: ReconciliationItemDocument | undefined,
  event: RecordedEvent,
  id: string,
): ReconciliationItemDocument | null {
  const recordedAt = event.metadata.occurredAt;
  const e = known(event);
  switch (e.type) {
    case 'StatementEntryMatched':
    case 'StatementEntryAmountMismatch': {
      if (id.startsWith('missing:')) {
        // The payment reported missing was booked after all: say by what, keep the exception on record.
        if (doc === undefined) return null;
        if (doc.resolvedBy !== undefined) return doc;
        const { statementId, line, entryReference } = e.data;
        return { ...doc, resolvedBy: { statementId, line, entryReference } };
      }
      if (doc !== undefined) return doc;
      const d = e.data;
      const kind = e.type === 'StatementEntryMatched' ? 'entry_matched' : 'amount_mismatch';
      const mismatch =
        e.type === 'StatementEntryAmountMismatch'
          ? { expected: e.data.expected.value, difference: e.data.difference.value }
          : {};
      return {
        ...lineFields(id, kind, d, recordedAt),
        paymentId: d.paymentId,
        claimId: d.claimId,
        leg: d.leg,
        matchedBy: d.matchedBy,
        ledgerDate: d.ledgerDate,
        dayDifference: d.dayDifference,
        ...mismatch,
      };
    }
    case 'StatementEntryUnmatched': {
      if (doc !== undefined) return doc;
      const d = e.data;
      return {
        ...lineFields(id, 'entry_unmatched', d, recordedAt),
        reason: d.reason,
        ...(d.paymentId !== undefined ? { paymentId: d.paymentId } : {}),
        ...(d.counterpartyName !== undefined ? { counterpartyName: d.counterpartyName } : {}),
        ...(d.counterpartyAccountLabel !== undefined
          ? { counterpartyAccountLabel: d.counterpartyAccountLabel }
          : {}),
      };
    }
    case 'PaymentMissingFromStatement': {
      if (doc !== undefined) return doc; // reported once per payment; keep the first
      const d = e.data;
      return {
        _id: id,
        kind: 'missing_payment',
        status: 'exception',
        statementId: d.statementId,
        statementKey: d.statementKey,
        accountLabel: d.accountLabel,
        currency: d.amount.currency,
        date: d.settledOn,
        amount: d.amount.value,
        recordedAt,
        paymentId: d.paymentId,
        claimId: d.claimId,
        ledgerDate: d.settledOn,
        daysOutstanding: d.daysOutstanding,
      };
    }
    case 'BankBalanceAgreed':
    case 'BankBalanceDifferenceFound': {
      if (doc !== undefined) return doc;
      const d: BankBalanceComparisonData = e.data;
      const explanation =
        e.type === 'BankBalanceDifferenceFound'
          ? {
              explanation: {
                previousDifference: e.data.explanation.previousDifference.value,
                openingGap: e.data.explanation.openingGap.value,
                items: e.data.explanation.items.map((item) => ({
                  ...item,
                  contribution: item.contribution.value,
                })),
                explained: e.data.explanation.explained.value,
                unexplained: e.data.explanation.unexplained.value,
                fullyExplained: e.data.explanation.fullyExplained,
              },
            }
          : {};
      const kind = e.type === 'BankBalanceAgreed' ? 'balance_agreed' : 'balance_difference';
      return {
        _id: id,
        kind,
        status: STATUS_OF[kind],
        statementId: d.statementId,
        statementKey: d.statementKey,
        accountLabel: d.accountLabel,
        currency: d.currency,
        date: d.periodEnd,
        amount: d.difference.value,
        recordedAt,
        periodStart: d.periodStart,
        periodEnd: d.periodEnd,
        statementClosing: d.statementClosing.value,
        ledgerOpening: d.ledgerOpening.value,
        ledgerClosing: d.ledgerClosing.value,
        ledgerMovementCount: d.ledgerMovements.length,
        ...explanation,
      };
    }
    default:
      return doc ?? null;
  }
}

function lineFields(
  id: string,
  kind: ReconciliationItemKind,
  d: Omit<
    StatementEntryMatchedData,
    'paymentId' | 'claimId' | 'leg' | 'matchedBy' | 'ledgerDate' | 'dayDifference'
  >,
  recordedAt: string,
): ReconciliationItemDocument {
  return {
    _id: id,
    kind,
    status: STATUS_OF[kind],
    statementId: d.statementId,
    statementKey: d.statementKey,
    accountLabel: d.accountLabel,
    currency: d.amount.currency,
    date: d.bookingDate,
    amount: d.amount.value,
    recordedAt,
    line: d.line,
    entryReference: d.entryReference,
    creditDebit: d.creditDebit,
    bookingDate: d.bookingDate,
    valueDate: d.valueDate,
    ...(d.endToEndId !== undefined ? { endToEndId: d.endToEndId } : {}),
    ...(d.bankReference !== undefined ? { bankReference: d.bankReference } : {}),
  };
}

function nextPayment(
  doc: ReconciliationPaymentDocument | undefined,
  event: RecordedEvent,
  paymentId: string,
): ReconciliationPaymentDocument | null {
  const current: ReconciliationPaymentDocument = doc ?? { _id: paymentId, paymentId };
  const e = known(event);
  // First writer wins on every field: a leg is matched, counted and reported by one statement only.
  const set = (field: keyof ReconciliationPaymentDocument, statementId: string) =>
    current[field] !== undefined ? current : { ...current, [field]: statementId };
  switch (e.type) {
    case 'StatementEntryMatched':
    case 'StatementEntryAmountMismatch':
      return set(e.data.leg === 'settlement' ? 'settlementMatchedIn' : 'returnMatchedIn', e.data.statementId);
    case 'PaymentMissingFromStatement':
      return set('missingReportedIn', e.data.statementId);
    case 'BankBalanceAgreed':
    case 'BankBalanceDifferenceFound': {
      let next = current;
      for (const movement of e.data.ledgerMovements) {
        if (movement.paymentId !== paymentId) continue;
        const field = movement.leg === 'settlement' ? 'settlementCountedIn' : 'returnCountedIn';
        if (next[field] === undefined) next = { ...next, [field]: e.data.statementId };
      }
      return next;
    }
    default:
      return doc ?? null;
  }
}

const ZERO_TOTALS: Readonly<Record<ReconciliationStatus, StatusTotals>> = {
  matched: { count: 0, amount: '0' },
  unmatched: { count: 0, amount: '0' },
  exception: { count: 0, amount: '0' },
};

function nextAccount(
  doc: ReconciliationAccountDocument | undefined,
  event: RecordedEvent,
  id: string,
): ReconciliationAccountDocument | null {
  const at = event.metadata.occurredAt;
  const e = known(event);
  const data = event.data as Data & {
    readonly currency?: string;
    readonly amount?: { readonly currency: string };
  };
  const currency = data.currency ?? data.amount?.currency ?? '';
  const current: ReconciliationAccountDocument = doc ?? {
    _id: id,
    accountLabel: data.accountLabel,
    currency,
    statements: 0,
    totals: ZERO_TOTALS,
    exceptions: { amount_mismatch: 0, missing_payment: 0 },
    balances: { agreed: 0, differences: 0 },
    updatedAt: at,
  };
  const add = (status: ReconciliationStatus, amount: string): ReconciliationAccountDocument['totals'] => {
    const total = current.totals[status];
    const sum = minorUnits(total.amount, currency) + minorUnits(amount, currency);
    return { ...current.totals, [status]: { count: total.count + 1, amount: decimal(sum, currency) } };
  };
  switch (e.type) {
    case 'BankStatementReceived': {
      const d: BankStatementReceivedData = e.data;
      return {
        ...current,
        statements: current.statements + 1,
        lastStatement: {
          statementId: d.statementId,
          statementKey: d.statementKey,
          periodStart: d.periodStart,
          periodEnd: d.periodEnd,
          closingBalance: d.closingBalance.amount.value,
          via: d.via,
          receivedAt: at,
        },
        updatedAt: at,
      };
    }
    case 'StatementEntryMatched':
      return { ...current, totals: add('matched', e.data.amount.value), updatedAt: at };
    case 'StatementEntryUnmatched':
      return { ...current, totals: add('unmatched', e.data.amount.value), updatedAt: at };
    case 'StatementEntryAmountMismatch':
      return {
        ...current,
        totals: add('exception', e.data.amount.value),
        exceptions: { ...current.exceptions, amount_mismatch: current.exceptions.amount_mismatch + 1 },
        updatedAt: at,
      };
    case 'PaymentMissingFromStatement':
      return {
        ...current,
        totals: add('exception', e.data.amount.value),
        exceptions: { ...current.exceptions, missing_payment: current.exceptions.missing_payment + 1 },
        updatedAt: at,
      };
    case 'BankBalanceAgreed':
    case 'BankBalanceDifferenceFound': {
      const d: BankBalanceComparisonData = e.data;
      const agreed = e.type === 'BankBalanceAgreed';
      return {
        ...current,
        reconciledSince: current.reconciledSince ?? d.periodStart,
        lastComparison: {
          statementId: d.statementId,
          periodEnd: d.periodEnd,
          statementClosing: d.statementClosing.value,
          ledgerClosing: d.ledgerClosing.value,
          difference: d.difference.value,
          agreed,
          comparedAt: at,
        },
        balances: {
          agreed: current.balances.agreed + (agreed ? 1 : 0),
          differences: current.balances.differences + (agreed ? 0 : 1),
        },
        updatedAt: at,
      };
    }
    default:
      return doc ?? null;
  }
}
