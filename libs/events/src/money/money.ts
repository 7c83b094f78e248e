import { currencyExponent, CurrencyCode, isCurrencyCode } from './currencies';

/** An amount of money: an integer count of the currency's minor units. Never a float. */
export interface Money {
  readonly minorUnits: bigint;
  readonly currency: CurrencyCode;
}

/** Money on the wire and in stored events: a decimal string in major units and the ISO 4217 code. */
export interface MoneyJson {
  readonly value: string;
  readonly currency: string;
}

export type MoneyErrorCode =
  | 'MONEY.UNKNOWN_CURRENCY'
  | 'MONEY.MALFORMED_AMOUNT'
  | 'MONEY.TOO_MANY_DECIMALS'
  | 'MONEY.NEGATIVE_AMOUNT'
  | 'MONEY.ZERO_AMOUNT'
  | 'MONEY.AMOUNT_TOO_LARGE'
  | 'MONEY.CURRENCY_MISMATCH';

export class MoneyError extends Error {
  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MoneyError';
  }
}

/**
 * No payment this ledger makes reaches a trillion major units; anything at or past it is a typo or an
 * attack (and would overflow the 18-digit amount fields of ISO 20022).
 */
export const MAX_MAJOR_UNITS = 10n ** 12n;

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export function currencyOf(code: string): CurrencyCode {
  if (typeof code !== 'string' || !isCurrencyCode(code)) {
    throw new MoneyError('MONEY.UNKNOWN_CURRENCY', `unknown ISO 4217 currency: ${JSON.stringify(code)}`);
  }
  return code;
}

export function money(minorUnits: bigint, currency: string): Money {
  const code = currencyOf(currency);
  if (minorUnits < 0n) throw new MoneyError('MONEY.NEGATIVE_AMOUNT', 'amount must not be negative');
  if (minorUnits >= MAX_MAJOR_UNITS * 10n ** BigInt(currencyExponent(code))) {
    throw new MoneyError('MONEY.AMOUNT_TOO_LARGE', `amount must be below ${MAX_MAJOR_UNITS} ${code}`);
  }
  return { minorUnits, currency: code };
}

/**
 * Parses a decimal string like "1234.56". Signs, exponents, spaces, leading zeros and more decimals
 * than the currency has are refused rather than rounded: a ledger never guesses an amount.
 */
export function parseMoney(json: MoneyJson, options: { allowZero?: boolean } = {}): Money {
  const code = currencyOf(json?.currency);
  const value = json?.value;
  if (typeof value !== 'string') {
    throw new MoneyError('MONEY.MALFORMED_AMOUNT', 'amount must be a decimal string such as "1234.56"');
  }
  if (value.startsWith('-')) throw new MoneyError('MONEY.NEGATIVE_AMOUNT', 'amount must not be negative');
  const match = DECIMAL.exec(value);
  if (!match) {
    throw new MoneyError(
      'MONEY.MALFORMED_AMOUNT',
      `amount ${JSON.stringify(value.slice(0, 40))} is not a plain decimal string such as "1234.56"`,
    );
  }
  const exponent = currencyExponent(code);
  const [, whole, fraction = ''] = match;
  if (fraction.length > exponent) {
    throw new MoneyError(
      'MONEY.TOO_MANY_DECIMALS',
      `${code} has ${exponent} decimal place${exponent === 1 ? '' : 's'}; "${value}" has ${fraction.length}`,
    );
  }
  if (whole.length > 13) {
    throw new MoneyError('MONEY.AMOUNT_TOO_LARGE', `amount must be below ${MAX_MAJOR_UNITS} ${code}`);
  }
  const minorUnits = BigInt(whole + fraction.padEnd(exponent, '0'));
  if (minorUnits === 0n && !options.allowZero) {
    throw new MoneyError('MONEY.ZERO_AMOUNT', 'amount must be greater than zero');
  }
  return money(minorUnits, code);
}

/** Formats with exactly the currency's decimals: 1234.5 CNY is "1234.50", 1234 JPY is "1234". */
export function formatAmount(amount: Money): string {
  const exponent = currencyExponent(amount.currency);
  const negative = amount.minorUnits < 0n;
  const digits = (negative ? -amount.minorUnits : amount.minorUnits).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

export function toMoneyJson(amount: Money): MoneyJson {
  return { value: formatAmount(amount), currency: amount.currency };
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { minorUnits: a.minorUnits + b.minorUnits, currency: a.currency };
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new MoneyError('MONEY.CURRENCY_MISMATCH', `cannot combine ${a.currency} with ${b.currency}`);
  }
}
