import {
  AccountJson,
  accountLabel,
  bankStatementKey,
  currencyOf,
  formatAmount,
  MoneyError,
  MoneyJson,
  parseMoney,
} from '@ledger/events';
import { isIsoDate } from '../validation';
import { ReconciliationError } from './reconciliation-error';

/**
 * A camt.053 statement as the reconciliation reads it: the shape of `AccountStatement` in libs/iso20022
 * (which satisfies it), declared here so the domain does not depend on the XML library.
 */
export interface StatementInput {
  readonly statementId: string;
  readonly creationDateTime: string;
  readonly from?: string;
  readonly to?: string;
  readonly account: AccountJson;
  readonly currency: string;
  readonly openingBalance: { readonly amount: MoneyJson; readonly date: string };
  readonly closingBalance: { readonly amount: MoneyJson; readonly date: string };
  readonly entries: readonly StatementEntryInput[];
}

export interface CounterpartyInput {
  readonly name?: string;
  readonly account?: AccountJson;
}

export interface StatementEntryInput {
  readonly entryReference: string;
  readonly amount: MoneyJson;
  readonly creditDebit: 'DBIT' | 'CRDT';
  readonly bookingDate: string;
  readonly valueDate: string;
  readonly bankReference?: string;
  readonly endToEndId?: string;
  readonly counterparty?: CounterpartyInput;
  /** A batch-booked entry: one item per transfer. */
  readonly transactions?: readonly {
    readonly endToEndId?: string;
    readonly amount?: MoneyJson;
    readonly counterparty?: CounterpartyInput;
  }[];
}

/** One booked transfer: an entry, or one transfer of a batch-booked entry whose amounts add up. */
export interface StatementLine {
  /** `<entry index>` or `<entry index>.<transfer index>`. */
  readonly line: string;
  readonly entryReference: string;
  readonly creditDebit: 'DBIT' | 'CRDT';
  /** Positive minor units. */
  readonly amount: bigint;
  readonly bookingDate: string;
  readonly valueDate: string;
  readonly bankReference?: string;
  readonly endToEndId?: string;
  readonly counterpartyName?: string;
  readonly counterpartyAccountLabel?: string;
  /** A batch entry that cannot be split into its transfers: it can match nothing. */
  readonly unsplittable: boolean;
}

/** The statement checked and normalised: signed balances in minor units, inclusive period, lines. */
export interface CheckedStatement {
  readonly statementKey: string;
  readonly accountLabel: string;
  readonly currency: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly opening: bigint;
  readonly closing: bigint;
  readonly lines: readonly StatementLine[];
}

export function invalidStatement(message: string, field: string): ReconciliationError {
  return new ReconciliationError('RECONCILIATION.INVALID_STATEMENT', message, { field });
}

/** Checks what the schema cannot (one currency, a period that runs forwards, dates) and splits entries into lines. */
export function checkStatement(statement: StatementInput): CheckedStatement {
  let statementKey: string;
  try {
    statementKey = bankStatementKey(statement.account, statement.statementId);
  } catch (error) {
    throw invalidStatement((error as Error).message, 'account');
  }
  const currency = statement.currency;
  try {
    currencyOf(currency);
  } catch {
    throw invalidStatement(`unknown currency ${JSON.stringify(currency)}`, 'currency');
  }
  const opening = signedAmount(statement.openingBalance.amount, currency, 'openingBalance.amount');
  const closing = signedAmount(statement.closingBalance.amount, currency, 'closingBalance.amount');
  const periodStart = dateOf(statement.from ?? statement.openingBalance.date, 'from');
  const periodEnd = dateOf(statement.to ?? statement.closingBalance.date, 'to');
  if (periodStart > periodEnd) {
    throw invalidStatement(
      `the statement's period ends (${periodEnd}) before it starts (${periodStart})`,
      'to',
    );
  }
  const lines = statement.entries.flatMap((entry, index) => linesOf(entry, index, currency));
  return {
    statementKey,
    accountLabel: accountLabel(statement.account),
    currency,
    periodStart,
    periodEnd,
    opening,
    closing,
    lines,
  };
}

function linesOf(entry: StatementEntryInput, index: number, currency: string): StatementLine[] {
  const field = `entries[${index}]`;
  const amount = positiveAmount(entry.amount, currency, `${field}.amount`);
  if (entry.creditDebit !== 'DBIT' && entry.creditDebit !== 'CRDT') {
    throw invalidStatement(`${field}.creditDebit must be DBIT or CRDT`, `${field}.creditDebit`);
  }
  const common = {
    entryReference: String(entry.entryReference ?? ''),
    creditDebit: entry.creditDebit,
    bookingDate: dateOf(entry.bookingDate, `${field}.bookingDate`),
    valueDate: dateOf(entry.valueDate ?? entry.bookingDate, `${field}.valueDate`),
    ...(entry.bankReference !== undefined ? { bankReference: entry.bankReference } : {}),
  };
  const transactions = entry.transactions ?? [];
  if (transactions.length === 0) {
    return [{ line: String(index), ...common, amount, ...partyOf(entry), unsplittable: false }];
  }
  const amounts = transactions.map((t, j) =>
    t.amount === undefined
      ? undefined
      : positiveAmount(t.amount, currency, `${field}.transactions[${j}].amount`),
  );
  const splittable =
    amounts.every((a) => a !== undefined) && amounts.reduce((sum, a) => sum + (a ?? 0n), 0n) === amount;
  if (!splittable) return [{ line: String(index), ...common, amount, unsplittable: true }];
  return transactions.map((t, j) => ({
    line: `${index}.${j}`,
    ...common,
    amount: amounts[j] as bigint,
    ...partyOf(t),
    unsplittable: false,
  }));
}

function partyOf(source: { readonly endToEndId?: string; readonly counterparty?: CounterpartyInput }) {
  const name = source.counterparty?.name;
  const account = source.counterparty?.account;
  let label: string | undefined;
  try {
    label = account === undefined ? undefined : accountLabel(account);
  } catch {
    label = undefined; // an account the bank wrote oddly identifies nobody: the line just cannot match by it
  }
  return {
    ...(source.endToEndId !== undefined && source.endToEndId !== '' ? { endToEndId: source.endToEndId } : {}),
    ...(name !== undefined && name !== '' ? { counterpartyName: name } : {}),
    ...(label !== undefined && label !== '' ? { counterpartyAccountLabel: label } : {}),
  };
}

/** Minor units of a positive amount in the statement's currency. */
function positiveAmount(json: MoneyJson, currency: string, field: string): bigint {
  if (json?.currency !== currency) {
    throw invalidStatement(`${field} is in ${json?.currency}, the statement in ${currency}`, field);
  }
  try {
    return parseMoney(json).minorUnits;
  } catch (error) {
    if (error instanceof MoneyError) throw invalidStatement(`${field}: ${error.message}`, field);
    throw error;
  }
}

/** Minor units of a balance, which may be negative (`-12.00`). */
export function signedAmount(json: MoneyJson, currency: string, field: string): bigint {
  if (json?.currency !== currency) {
    throw invalidStatement(`${field} is in ${json?.currency}, the statement in ${currency}`, field);
  }
  const value = typeof json.value === 'string' ? json.value : '';
  const negative = value.startsWith('-');
  try {
    const units = parseMoney(
      { value: negative ? value.slice(1) : value, currency },
      { allowZero: true },
    ).minorUnits;
    return negative ? -units : units;
  } catch (error) {
    if (error instanceof MoneyError) throw invalidStatement(`${field}: ${error.message}`, field);
    throw error;
  }
}

/** A signed amount in minor units as `MoneyJson` ("-12.50"). */
export function signedJson(units: bigint, currency: string): MoneyJson {
  return { value: formatAmount({ minorUnits: units, currency: currencyOf(currency) }), currency };
}

/** The calendar date of an ISO date or date-time, as the bank wrote it (its own time zone). */
function dateOf(value: string, field: string): string {
  const date = typeof value === 'string' ? value.slice(0, 10) : '';
  if (!isIsoDate(date) || (value.length > 10 && value[10] !== 'T')) {
    throw invalidStatement(`${field} must be an ISO date, got ${JSON.stringify(value)}`, field);
  }
  return date;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). Dates are ISO `YYYY-MM-DD`. */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** `date` moved by `days`. */
export function addDays(date: string, days: number): string {
  // Howard Hinnant's civil-from-days: calendar arithmetic without a Date (and so without a clock in sight).
  const z = dayNumber(date) + days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}`;
}

/** Days since 1970-01-01 (days-from-civil). */
function dayNumber(date: string): number {
  const month = Number(date.slice(5, 7));
  const year = Number(date.slice(0, 4)) - (month <= 2 ? 1 : 0);
  const era = Math.floor(year / 400);
  const yoe = year - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + Number(date.slice(8, 10)) - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
