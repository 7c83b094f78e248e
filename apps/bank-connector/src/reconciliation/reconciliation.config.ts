import { DEFAULT_RECONCILIATION_OPTIONS, ReconciliationOptions } from '@ledger/domain';

export interface ReconciliationConfig {
  readonly options: ReconciliationOptions;
  /** How long a reconciliation waits for the reconciliation read model to reach the log's last statement. */
  readonly readModelWaitMs: number;
}

export const RECONCILIATION_CONFIG = Symbol('ReconciliationConfig');

/**
 * `RECONCILIATION_TOLERANCE_DAYS` (default 2), `RECONCILIATION_MISSING_AFTER_DAYS` (3),
 * `RECONCILIATION_LOOKBACK_DAYS` (45), `RECONCILIATION_READ_MODEL_WAIT_MS` (10000). A value that is not a
 * whole number in range stops the app at startup rather than reconciling with a guess.
 */
export function reconciliationConfigFromEnv(env: NodeJS.ProcessEnv): ReconciliationConfig {
  return {
    options: {
      toleranceDays: whole(
        env,
        'RECONCILIATION_TOLERANCE_DAYS',
        DEFAULT_RECONCILIATION_OPTIONS.toleranceDays,
        31,
      ),
      missingAfterDays: whole(
        env,
        'RECONCILIATION_MISSING_AFTER_DAYS',
        DEFAULT_RECONCILIATION_OPTIONS.missingAfterDays,
        366,
      ),
      lookbackDays: whole(
        env,
        'RECONCILIATION_LOOKBACK_DAYS',
        DEFAULT_RECONCILIATION_OPTIONS.lookbackDays,
        3660,
      ),
    },
    readModelWaitMs: whole(env, 'RECONCILIATION_READ_MODEL_WAIT_MS', 10_000, 600_000),
  };
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) > max) {
    throw new Error(`${name} must be a whole number from 0 to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}
