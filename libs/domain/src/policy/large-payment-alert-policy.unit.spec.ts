import { parseMoney } from '@ledger/events';
import {
  DEFAULT_LARGE_PAYMENT_ALERT_POLICY,
  largePaymentThresholdExceeded,
  parseLargePaymentAlertPolicy,
} from './large-payment-alert-policy';

const exceeded = (value: string, currency: string, policy = DEFAULT_LARGE_PAYMENT_ALERT_POLICY) =>
  largePaymentThresholdExceeded(policy, parseMoney({ value, currency }));

describe('large payment alert policy', () => {
  it('alerts strictly above 100000.00 in any currency by default', () => {
    expect(exceeded('100000.00', 'EUR')).toBeUndefined();
    expect(exceeded('100000.01', 'EUR')).toBe('100000.00');
    expect(exceeded('100001', 'JPY')).toBe('100000.00');
  });

  it('overrides per currency, and null turns the alert off', () => {
    const policy = parseLargePaymentAlertPolicy({
      defaultThreshold: '50000',
      perCurrency: { JPY: '10000000', CHF: null },
    });
    expect(exceeded('9000000', 'JPY', policy)).toBeUndefined();
    expect(exceeded('10000001', 'JPY', policy)).toBe('10000000');
    expect(exceeded('999999999.00', 'CHF', policy)).toBeUndefined();
    expect(exceeded('50000.01', 'USD', policy)).toBe('50000');
  });

  it.each([
    [{ defaultThreshold: 100000 }, 'largePaymentAlert.defaultThreshold: must be a decimal string'],
    [
      { defaultThreshold: null, perCurrency: { EURO: '1' } },
      'largePaymentAlert.perCurrency.EURO: is not an ISO 4217 currency code',
    ],
    [
      { defaultThreshold: null, perCurrency: { EUR: '1e6' } },
      'largePaymentAlert.perCurrency.EUR: must be a decimal string',
    ],
    [{ defaultThreshold: null, perCurrency: [] }, 'largePaymentAlert.perCurrency: must be an object'],
  ])('refuses %j', (config, message) => {
    expect(() => parseLargePaymentAlertPolicy(config)).toThrow(message);
  });
});
