import { AccountJson, accountLabel, PayeeJson } from '@ledger/events';

export type AccountType = 'expense' | 'liability' | 'asset';

/**
 * The chart of accounts, one set per ledger (a ledger per currency, its id the currency code):
 *
 * - `expense:<costCenter>:<category>`: what the company spent, debited when a claim is approved.
 * - `payable:<payee account label>`: what it owes a payee, credited at approval, debited when paid.
 * - `bank-in-transit:<debtor account label>`: money sent to the bank and not yet settled (a clearing
 *   account of the paying bank account: it carries a pending credit while a transfer is in flight).
 * - `bank:<debtor account label>`: the paying bank account, credited at settlement.
 *
 * Account labels are `accountLabel` (`iban:DE89...`, `acct:<bank code>:<number>`), so a payee or bank
 * account typed differently still lands on one account.
 */
export function expenseAccount(costCenter: string, category: string): string {
  return `expense:${costCenter}:${category}`;
}

export function payableAccount(payee: PayeeJson): string {
  return `payable:${accountLabel(payee.account)}`;
}

export function bankInTransitAccount(debtor: AccountJson): string {
  return `bank-in-transit:${accountLabel(debtor)}`;
}

export function bankAccount(debtor: AccountJson): string {
  return `bank:${accountLabel(debtor)}`;
}

export function accountType(account: string): AccountType {
  if (account.startsWith('expense:')) return 'expense';
  if (account.startsWith('payable:')) return 'liability';
  if (account.startsWith('bank:') || account.startsWith('bank-in-transit:')) return 'asset';
  throw new TypeError(`account ${JSON.stringify(account)} is not in the chart of accounts`);
}

/** Expense and asset accounts grow on the debit side, liabilities on the credit side. */
export function isDebitNormal(type: AccountType): boolean {
  return type !== 'liability';
}

/** The `_id` of an account document: `<ledger>:<account>`, e.g. `EUR:payable:iban:DE89...`. */
export function accountDocumentId(ledger: string, account: string): string {
  return `${ledger}:${account}`;
}

export function parseAccountDocumentId(id: string): { ledger: string; account: string } {
  const colon = id.indexOf(':');
  if (colon <= 0) throw new TypeError(`account document id ${JSON.stringify(id)} has no ledger`);
  return { ledger: id.slice(0, colon), account: id.slice(colon + 1) };
}
