import { AccountJson, accountLabel } from './shared';

/**
 * One helper per stream name. The category is the part before the first `-` (EventStoreDB's `$by_category`
 * convention), so no prefix is a prefix of another: `payment-` never matches `paymentBatch-...` streams.
 */
export const CLAIM_STREAM_PREFIX = 'claim-';
export const PAYMENT_STREAM_PREFIX = 'payment-';
export const PAYMENT_BATCH_STREAM_PREFIX = 'paymentBatch-';
export const DUPLICATE_GUARD_STREAM_PREFIX = 'duplicateGuard-';
export const BANK_STATEMENT_STREAM_PREFIX = 'bankStatement-';

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

/**
 * A bank statement's identity: the account's label, then the bank's statement id URI-encoded (banks put
 * spaces and slashes in them), e.g. `iban:DE89370400440532013000|2026-11-02%2F1`.
 */
export function bankStatementKey(account: AccountJson, statementId: string): string {
  const label = accountLabel(account);
  // What `accountLabel` gives for a well-formed account; anything else could break the key apart.
  if (!/^(iban:[A-Z0-9]+|acct:[A-Z0-9-]+:[A-Z0-9-]+)$/.test(label)) {
    throw new TypeError(`statement account ${JSON.stringify(label)} cannot name a stream`);
  }
  return `${label}|${encodeURIComponent(requireStatementId(statementId))}`;
}

/** One stream per statement: `bankStatement-<bankStatementKey>`. */
export function bankStatementStreamId(account: AccountJson, statementId: string): string {
  return BANK_STATEMENT_STREAM_PREFIX + bankStatementKey(account, statementId);
}

function requireStatementId(statementId: string): string {
  if (typeof statementId !== 'string' || statementId.trim().length === 0 || statementId.length > 140) {
    throw new TypeError(`statement id must be a non-empty text, got ${JSON.stringify(statementId)}`);
  }
  return statementId;
}

// An empty id would silently address the whole category's "first" stream (`claim-`); refuse it loudly.
function requirePart(part: string, name: string): string {
  if (typeof part !== 'string' || part.length === 0 || /\s/.test(part)) {
    throw new TypeError(`${name} must be a non-empty string without whitespace, got ${JSON.stringify(part)}`);
  }
  return part;
}
