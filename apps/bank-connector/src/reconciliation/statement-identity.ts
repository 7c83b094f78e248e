import { createHash } from 'node:crypto';
import { AccountStatement } from '@ledger/iso20022';

/**
 * SHA-256 of what a statement says (account, currency, period, balances, entries), in canonical JSON. The
 * message around it (id, creation time, camt version) is left out: a bank that sends the same statement
 * again in a new message, or in the other camt version, sends the same statement.
 */
export function statementFingerprint(statement: AccountStatement): string {
  const content = {
    statementId: statement.statementId,
    account: statement.account,
    currency: statement.currency,
    from: statement.from,
    to: statement.to,
    openingBalance: statement.openingBalance,
    closingBalance: statement.closingBalance,
    entries: statement.entries,
  };
  return createHash('sha256').update(canonicalJson(content)).digest('base64url');
}

/**
 * An event id derived from the statement's stream, its content and the event's place in the append: the same
 * reconciliation appended twice carries the same ids, which the event store treats as one append.
 */
export function reconciliationEventId(
  streamId: string,
  fingerprint: string,
  index: number,
  type: string,
): string {
  return uuidFromHash(`reconciliation|${streamId}|${fingerprint}|${index}|${type}`);
}

/** The id of the reconciliation itself, the causation of its events. */
export function reconciliationCommandId(streamId: string, fingerprint: string): string {
  return uuidFromHash(`reconcile|${streamId}|${fingerprint}`);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A version-8 (custom) UUID carrying 122 bits of a SHA-256 digest. */
function uuidFromHash(input: string): string {
  const bytes = createHash('sha256').update(input).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
