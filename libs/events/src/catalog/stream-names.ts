/**
 * One helper per stream name. The category is the part before the first `-` (EventStoreDB's `$by_category`
 * convention), so no prefix is a prefix of another: `payment-` never matches `paymentBatch-...` streams.
 */
export const CLAIM_STREAM_PREFIX = 'claim-';
export const PAYMENT_STREAM_PREFIX = 'payment-';
export const PAYMENT_BATCH_STREAM_PREFIX = 'paymentBatch-';
export const DUPLICATE_GUARD_STREAM_PREFIX = 'duplicateGuard-';

export function claimStreamId(claimId: string): string {
  return CLAIM_STREAM_PREFIX + requirePart(claimId, 'claimId');
}

export function paymentStreamId(paymentId: string): string {
  return PAYMENT_STREAM_PREFIX + requirePart(paymentId, 'paymentId');
}

export function paymentBatchStreamId(batchId: string): string {
  return PAYMENT_BATCH_STREAM_PREFIX + requirePart(batchId, 'batchId');
}

/** `key` is a `duplicateGuardKey(...)`: already normalised and safe in a stream name. */
export function duplicateGuardStreamId(key: string): string {
  return DUPLICATE_GUARD_STREAM_PREFIX + requirePart(key, 'duplicate guard key');
}

// An empty id would silently address the whole category's "first" stream (`claim-`); refuse it loudly.
function requirePart(part: string, name: string): string {
  if (typeof part !== 'string' || part.length === 0 || /\s/.test(part)) {
    throw new TypeError(`${name} must be a non-empty string without whitespace, got ${JSON.stringify(part)}`);
  }
  return part;
}
