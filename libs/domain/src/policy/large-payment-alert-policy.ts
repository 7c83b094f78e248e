import { isCurrencyCode, Money } from '@ledger/events';
import { compareToMajorUnits, isDecimalString } from '../decimal-threshold';
import { PolicyConfigError } from './policy-config-error';

/**
 * Amounts strictly above the threshold of their currency raise `LargePaymentAlertRaised` at dispatch.
 * Thresholds are decimal strings in major units; `null` turns the alert off (for one currency or by default).
 */
export interface LargePaymentAlertConfig {
  readonly defaultThreshold: string | null;
  /** ISO 4217 code → threshold, overriding the default (100000 JPY is not 100000 EUR). */
  readonly perCurrency?: Readonly<Record<string, string | null>>;
}

export type LargePaymentAlertPolicy = Required<LargePaymentAlertConfig> & {
  readonly __brand: 'LargePaymentAlertPolicy';
};

export const DEFAULT_LARGE_PAYMENT_ALERT_CONFIG: LargePaymentAlertConfig = {
  defaultThreshold: '100000.00',
  perCurrency: {},
};

export function parseLargePaymentAlertPolicy(
  config: unknown,
  path = 'largePaymentAlert',
): LargePaymentAlertPolicy {
  if (typeof config !== 'object' || config === null) throw new PolicyConfigError(path, 'must be an object');
  const { defaultThreshold, perCurrency = {} } = config as {
    defaultThreshold?: unknown;
    perCurrency?: unknown;
  };
  if (defaultThreshold !== null && !isDecimalString(defaultThreshold)) {
    throw new PolicyConfigError(
      `${path}.defaultThreshold`,
      'must be a decimal string such as "100000.00", or null',
    );
  }
  if (typeof perCurrency !== 'object' || perCurrency === null || Array.isArray(perCurrency)) {
    throw new PolicyConfigError(`${path}.perCurrency`, 'must be an object of currency code to threshold');
  }
  const thresholds: Record<string, string | null> = {};
  for (const [currency, threshold] of Object.entries(perCurrency)) {
    if (!isCurrencyCode(currency)) {
      throw new PolicyConfigError(`${path}.perCurrency.${currency}`, 'is not an ISO 4217 currency code');
    }
    if (threshold !== null && !isDecimalString(threshold)) {
      throw new PolicyConfigError(`${path}.perCurrency.${currency}`, 'must be a decimal string, or null');
    }
    thresholds[currency] = threshold;
  }
  return Object.freeze({
    defaultThreshold,
    perCurrency: Object.freeze(thresholds),
  }) as LargePaymentAlertPolicy;
}

export const DEFAULT_LARGE_PAYMENT_ALERT_POLICY = parseLargePaymentAlertPolicy(
  DEFAULT_LARGE_PAYMENT_ALERT_CONFIG,
);

/** The threshold the amount exceeds, or `undefined` when no alert is due. */
export function largePaymentThresholdExceeded(
  policy: LargePaymentAlertPolicy,
  amount: Money,
): string | undefined {
  const threshold = Object.prototype.hasOwnProperty.call(policy.perCurrency, amount.currency)
    ? policy.perCurrency[amount.currency]
    : policy.defaultThreshold;
  if (threshold === null) return undefined;
  return compareToMajorUnits(amount, threshold) > 0 ? threshold : undefined;
}
