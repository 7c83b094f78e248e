import { reconciliationConfigFromEnv } from './reconciliation.config';

describe('reconciliationConfigFromEnv', () => {
  it('defaults to 2 days of tolerance, missing after 3 days, 45 days of lookback, a 10 s wait', () => {
    expect(reconciliationConfigFromEnv({})).toStrictEqual({
      options: { toleranceDays: 2, missingAfterDays: 3, lookbackDays: 45 },
      readModelWaitMs: 10_000,
    });
  });

  it('reads each setting from the environment', () => {
    const config = reconciliationConfigFromEnv({
      RECONCILIATION_TOLERANCE_DAYS: '0',
      RECONCILIATION_MISSING_AFTER_DAYS: '5',
      RECONCILIATION_LOOKBACK_DAYS: '90',
      RECONCILIATION_READ_MODEL_WAIT_MS: '2500',
    });
    expect(config).toStrictEqual({
      options: { toleranceDays: 0, missingAfterDays: 5, lookbackDays: 90 },
      readModelWaitMs: 2500,
    });
  });

  it.each(['-1', '1.5', 'two', '32'])('refuses a tolerance of %s days rather than guess', (value) => {
    expect(() => reconciliationConfigFromEnv({ RECONCILIATION_TOLERANCE_DAYS: value })).toThrow(
      'RECONCILIATION_TOLERANCE_DAYS must be a whole number from 0 to 31',
    );
  });
});
