import {
  AccountJson,
  DomesticAccountJson,
  IbanAccountJson,
  Money,
  MoneyError,
  MoneyJson,
  normaliseIban,
  parseMoney,
  PayeeJson,
} from '@ledger/events';
import { DomainError, DomainErrorCode } from './domain-error';

/**
 * Field checks shared by the deciders. Each takes the error code of its stream, so a refusal names the
 * stream (`CLAIM.INVALID_FIELD`) and carries `details.field`.
 */

// Ids end up in stream names and ISO 20022 references: keep them to a safe, bounded alphabet.
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function requireId(value: unknown, field: string, code: DomainErrorCode): string {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw new DomainError(code, `${field} must be 1 to 128 letters, digits, '.', '_', ':' or '-'`, { field });
  }
  return value;
}

/** A trimmed, non-empty text of at most `max` characters. */
export function requireText(value: unknown, field: string, code: DomainErrorCode, max: number): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length === 0 || text.length > max) {
    throw new DomainError(code, `${field} must be a non-empty text of at most ${max} characters`, { field });
  }
  return text;
}

export function optionalText(
  value: unknown,
  field: string,
  code: DomainErrorCode,
  max: number,
): string | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
    return undefined;
  return requireText(value, field, code, max);
}

export function requireAmount(value: MoneyJson, code: DomainErrorCode): Money {
  try {
    return parseMoney(value);
  } catch (error) {
    if (error instanceof MoneyError) {
      throw new DomainError(code, error.message, { field: 'amount', moneyCode: error.code });
    }
    throw error;
  }
}

const IBAN = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;
const BIC = /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

/** ISO 13616 check: move the first four characters to the end, letters to numbers, the result mod 97 is 1. */
export function isValidIban(iban: string): boolean {
  if (!IBAN.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const digits = char >= 'A' ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

// A domestic account number and its bank's clearing code (CNAPS, ABA routing number, sort code, ...) have
// no checksum we can verify for every country: accept a bounded, safe alphabet and let the bank check them.
const ACCOUNT_NUMBER = /^[A-Za-z0-9-]{1,34}$/;
const BANK_CODE = /^[A-Z0-9-]{1,35}$/;

type UncheckedAccount = { iban?: unknown; number?: unknown; bankCode?: unknown; bic?: unknown };

/**
 * The account normalised: `{ iban }` without spaces, upper case, checksum-checked; or `{ number, bankCode }`
 * with the number's spaces removed and the bank code trimmed and upper-cased. Exactly one form; the BIC,
 * when given, is upper-cased and must have the ISO 9362 shape. Refusals carry `details.field`.
 */
export function requireAccount(
  value: AccountJson | undefined,
  field: string,
  code: DomainErrorCode,
): AccountJson {
  // The value comes from JSON: read its fields unchecked, since it may mix or miss both forms.
  const raw: UncheckedAccount = typeof value === 'object' && value !== null ? value : {};
  const hasIban = isPresent(raw.iban);
  if (hasIban && (isPresent(raw.number) || isPresent(raw.bankCode))) {
    throw new DomainError(code, `${field} must have either an iban or a number and bankCode, not both`, {
      field,
    });
  }
  if (!hasIban && !isPresent(raw.number) && !isPresent(raw.bankCode)) {
    throw new DomainError(code, `${field} must have an iban, or a number and a bankCode`, { field });
  }
  const account = hasIban ? requireIban(raw, field, code) : requireDomesticAccount(raw, field, code);
  if (!isPresent(raw.bic)) return account;
  const bic = typeof raw.bic === 'string' ? raw.bic.trim().toUpperCase() : '';
  if (!BIC.test(bic))
    throw new DomainError(code, `${field}.bic is not a valid BIC`, { field: `${field}.bic` });
  return { ...account, bic };
}

function requireIban(raw: UncheckedAccount, field: string, code: DomainErrorCode): IbanAccountJson {
  const iban = typeof raw.iban === 'string' ? normaliseIban(raw.iban) : '';
  if (!isValidIban(iban))
    throw new DomainError(code, `${field}.iban is not a valid IBAN`, { field: `${field}.iban` });
  return { iban };
}

function requireDomesticAccount(
  raw: UncheckedAccount,
  field: string,
  code: DomainErrorCode,
): DomesticAccountJson {
  if (!isPresent(raw.number)) {
    throw new DomainError(code, `${field}.number is required with bankCode`, { field: `${field}.number` });
  }
  if (!isPresent(raw.bankCode)) {
    throw new DomainError(code, `${field}.bankCode (the bank's clearing code) is required with number`, {
      field: `${field}.bankCode`,
    });
  }
  const number = typeof raw.number === 'string' ? raw.number.replace(/\s+/g, '') : '';
  if (!ACCOUNT_NUMBER.test(number)) {
    throw new DomainError(code, `${field}.number must be 1 to 34 letters, digits or '-'`, {
      field: `${field}.number`,
    });
  }
  const bankCode = typeof raw.bankCode === 'string' ? raw.bankCode.trim().toUpperCase() : '';
  if (!BANK_CODE.test(bankCode)) {
    throw new DomainError(code, `${field}.bankCode must be 1 to 35 letters, digits or '-'`, {
      field: `${field}.bankCode`,
    });
  }
  return { number, bankCode };
}

// JSON clients send `null` for an absent field as often as they leave it out.
function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export function requirePayee(
  value: PayeeJson | undefined,
  codes: { field: DomainErrorCode; account: DomainErrorCode },
): PayeeJson {
  // ISO 20022 Max140Text; SEPA banks truncate to 70, which is their business, not a reason to refuse.
  const name = requireText(value?.name, 'payee.name', codes.field, 140);
  return { name, account: requireAccount(value?.account, 'payee.account', codes.account) };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(value: unknown): value is string {
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1];
}

/** The calendar date of the command's `now`; ISO dates compare correctly as strings. */
export function dateOf(now: string, code: DomainErrorCode): string {
  const date = typeof now === 'string' ? now.slice(0, 10) : '';
  if (!isIsoDate(date) || (now.length > 10 && now[10] !== 'T')) {
    throw new DomainError(code, 'metadata.now must be an ISO 8601 instant', { field: 'metadata.now' });
  }
  return date;
}
