import {
  currencyExponent,
  currencyOf,
  formatAmount,
  Money,
  MoneyError,
  MoneyJson,
  parseMoney,
} from '@ledger/events';
import { Iso20022Error } from '../iso20022.error';

/** A payment amount for `InstdAmt`: positive, exactly the currency's decimals (JPY "1234", BHD "1.234"). */
export function paymentAmount(json: MoneyJson, field: string, options: { allowZero?: boolean } = {}): Money {
  try {
    return parseMoney(json, options);
  } catch (error) {
    throw asAmountError(error, field);
  }
}

/** The XML text of an amount: exactly the currency's decimals. */
export function amountText(amount: Money): string {
  return formatAmount(amount);
}

/**
 * An amount a bank wrote (`<Amt Ccy="EUR">100</Amt>`): any xs:decimal spelling ("100", "+100.5", "0100", ".5"),
 * read exactly in the currency's minor units. More decimals than the currency has are refused, never rounded.
 */
export function readAmount(
  text: string | undefined,
  currency: string | undefined,
  field: string,
  options: { allowZero?: boolean } = { allowZero: true },
): Money {
  if (text === undefined || currency === undefined) {
    throw new Iso20022Error('ISO20022.MISSING_FIELD', `missing ${field} or its Ccy`, { field });
  }
  const match = /^\+?([0-9]*)(?:\.([0-9]*))?$/.exec(text);
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) {
    throw new Iso20022Error(
      'ISO20022.INVALID_AMOUNT',
      `${field} ${JSON.stringify(text)} is not a non-negative decimal`,
      {
        field,
      },
    );
  }
  const whole = match[1].replace(/^0+(?=\d)/, '') || '0';
  const fraction = match[2] ?? '';
  try {
    return parseMoney({ value: fraction === '' ? whole : `${whole}.${fraction}`, currency }, options);
  } catch (error) {
    throw asAmountError(error, field);
  }
}

/** Minor units with a sign: DBIT balances are negative. */
export function signedJson(amount: Money, creditDebit: 'CRDT' | 'DBIT'): MoneyJson {
  const minorUnits = creditDebit === 'DBIT' ? -amount.minorUnits : amount.minorUnits;
  return { value: formatAmount({ minorUnits, currency: amount.currency }), currency: amount.currency };
}

/** An exact decimal: `units / 10^scale`. */
interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

/**
 * `CtrlSum`: the plain decimal sum of the amounts, whatever their currencies (as the schema defines it), exact
 * in bigint, written with the most decimals any of the currencies has.
 */
export function controlSum(amounts: readonly Money[]): string {
  const scale = amounts.reduce((max, amount) => Math.max(max, currencyExponent(amount.currency)), 0);
  let units = 0n;
  for (const amount of amounts) {
    units += amount.minorUnits * 10n ** BigInt(scale - currencyExponent(amount.currency));
  }
  return formatDecimal({ units, scale });
}

/** Whether a `CtrlSum` a sender wrote equals the sum of the amounts (any spelling: "12.3" equals "12.30"). */
export function controlSumMatches(written: string, amounts: readonly Money[]): boolean {
  const expected = parseDecimal(controlSum(amounts));
  const actual = parseDecimal(written);
  if (actual === undefined || expected === undefined) return false;
  const scale = Math.max(expected.scale, actual.scale);
  return (
    expected.units * 10n ** BigInt(scale - expected.scale) ===
    actual.units * 10n ** BigInt(scale - actual.scale)
  );
}

function parseDecimal(text: string): Decimal | undefined {
  const match = /^\+?([0-9]*)(?:\.([0-9]*))?$/.exec(text);
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) return undefined;
  const fraction = match[2] ?? '';
  return { units: BigInt((match[1] || '0') + fraction), scale: fraction.length };
}

function formatDecimal({ units, scale }: Decimal): string {
  const digits = units.toString().padStart(scale + 1, '0');
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** The currency code checked against ISO 4217. */
export function currencyCode(code: string | undefined, field: string): string {
  try {
    return currencyOf(code ?? '');
  } catch (error) {
    throw asAmountError(error, field);
  }
}

function asAmountError(error: unknown, field: string): Iso20022Error {
  if (error instanceof MoneyError) {
    return new Iso20022Error('ISO20022.INVALID_AMOUNT', `${field}: ${error.message}`, { field });
  }
  throw error;
}
