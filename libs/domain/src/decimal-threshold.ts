import { currencyExponent, Money } from '@ledger/events';

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value) && value.length <= 40;
}

/**
 * Compares an amount with a threshold written in major units ("5000.00"), exactly, whatever the currency's
 * exponent: "5000.00" is 5000 JPY and 5000.000 KWD. A threshold with more decimals than the currency
 * ("0.5" JPY) still compares correctly because both sides are scaled to a common denominator.
 */
export function compareToMajorUnits(amount: Money, threshold: string): -1 | 0 | 1 {
  const match = DECIMAL.exec(threshold);
  if (!match) throw new TypeError(`threshold ${JSON.stringify(threshold)} is not a decimal string`);
  const [, whole, fraction = ''] = match;
  const thresholdScaled = BigInt(whole + fraction); // threshold × 10^fraction.length
  const amountScaled = amount.minorUnits * 10n ** BigInt(fraction.length); // amount × 10^exponent × 10^f
  const thresholdComparable = thresholdScaled * 10n ** BigInt(currencyExponent(amount.currency));
  return amountScaled < thresholdComparable ? -1 : amountScaled > thresholdComparable ? 1 : 0;
}
