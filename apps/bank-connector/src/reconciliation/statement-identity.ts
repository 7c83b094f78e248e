import { createHash } from 'node:crypto';
import { canonicalJson, uuidFromHash } from '@ledger/infra';
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
