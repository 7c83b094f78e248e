import { hash, randomUUID } from 'node:crypto';
import { canonicalJson, uuidFromHash } from '@ledger/infra';

/**
 * Ids that make retries safe. A command with an idempotency key gets a command id derived from the
 * caller and the key, and its events get ids derived from that command id, the request's fingerprint
 * and their index: a retry of the same request appends the same event ids, which the event store
 * treats as already done, while the same key with a different request cannot pass for a retry.
 */
export function commandIdFor(subject: string, idempotencyKey: string | undefined): string {
  return idempotencyKey ? uuidFromHash(`command|${subject}|${idempotencyKey}`) : randomUUID();
}

export function eventIdFor(
  commandId: string,
  streamId: string,
  requestHash: string,
  index: number,
  type: string,
): string {
  return uuidFromHash(`event|${commandId}|${streamId}|${requestHash}|${index}|${type}`);
}

/** An id for an entity the command creates (claim, batch, payment), stable across retries. */
export function derivedId(...parts: string[]): string {
  return uuidFromHash(`id|${parts.join('|')}`);
}

/** A fingerprint of what the request asked for: route and body in canonical JSON (keys sorted). */
export function requestHashOf(route: string, body: unknown): string {
  return hash('sha256', `${route}\n${canonicalJson(body)}`, 'base64url');
}
