import { hash } from 'node:crypto';

/**
 * JSON with keys sorted and undefined fields left out: the same data gives the same text, whatever the
 * order it was built in. What request fingerprints and content hashes are computed over.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * A version-8 (custom) UUID carrying 122 bits of a SHA-256 digest: the same input, the same id.
 * (`hash`, one call, costs about half of `createHash().update().digest()`; a receipt derives several.)
 */
export function uuidFromHash(input: string): string {
  const bytes = hash('sha256', input, 'buffer').subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
