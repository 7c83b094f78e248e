import { createHash, randomUUID } from 'node:crypto';

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
  return createHash('sha256')
    .update(`${route}\n${canonicalJson(body)}`)
    .digest('base64url');
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
