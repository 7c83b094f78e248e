/** An account identified by its IBAN, normalised (no spaces, upper case), and the BIC if known. */
export interface IbanAccountJson {
  readonly iban: string;
  readonly bic?: string;
  readonly number?: never;
  readonly bankCode?: never;
}

/**
 * An account outside the IBAN world: the domestic account number (spaces removed) and the clearing code of
 * its bank, upper case (China CNAPS, US ABA routing number, UK sort code, ...). ISO 20022 sends it as
 * `Othr/Id` with the bank's `ClrSysMmbId`.
 */
export interface DomesticAccountJson {
  readonly number: string;
  readonly bankCode: string;
  readonly bic?: string;
  readonly iban?: never;
}

/** A bank account in one of its two forms; tell them apart with `isIbanAccount`. */
export type AccountJson = IbanAccountJson | DomesticAccountJson;

/** Who receives the money: the name sent to the bank and the account credited. */
export interface PayeeJson {
  readonly name: string;
  readonly account: AccountJson;
}

export function isIbanAccount(account: AccountJson): account is IbanAccountJson {
  return account.iban !== undefined;
}

/**
 * The account's identity, without its BIC: `iban:DE89370400440532013000` or
 * `acct:CN-102100099996:12345678` (bank code, then number). Whitespace is removed and letters upper-cased,
 * so an account retyped differently gets the same label; `:` cannot occur in a valid bank code, so the label
 * tells two accounts apart. The duplicate-guard key starts with it.
 */
export function accountLabel(account: AccountJson): string {
  return isIbanAccount(account)
    ? `iban:${normaliseAccountPart(account.iban)}`
    : `acct:${normaliseDomesticPart(account.bankCode)}:${normaliseDomesticPart(account.number)}`;
}

// Domestic numbers and codes are written with dashes or spaces for reading ("20-00-00"); they are
// not part of the number, and a retyped one must not slip past duplicate detection.
function normaliseDomesticPart(part: string | undefined): string {
  return normaliseAccountPart(part).replace(/-/g, '');
}

export function normaliseIban(iban: string): string {
  return iban.replace(/\s+/g, '').toUpperCase();
}

// A missing part (an unvalidated account) gives an empty label part that callers refuse, not a crash.
function normaliseAccountPart(part: string | undefined): string {
  return typeof part === 'string' ? part.replace(/\s+/g, '').toUpperCase() : '';
}
