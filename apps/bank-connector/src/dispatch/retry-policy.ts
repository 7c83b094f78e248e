import { retryDelay } from '@ledger/infra';

/**
 * The bus's exponential backoff with full jitter: before send `attempt + 1`, wait a random time between
 * zero and `base · 2^(attempt − 1)`, capped at `max`. Jitter spreads the retries of many connectors
 * hitting one recovering bank.
 */
export function backoffDelayMs(
  attempt: number,
  policy: { readonly baseMs: number; readonly maxMs: number },
  random: () => number = Math.random,
): number {
  return Math.floor(random() * retryDelay(Math.max(1, attempt), policy.baseMs, policy.maxMs));
}
