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
 * (`hash`, one call, costs about half of `createHash().update().digest()`, and its hex answer spares
 * a buffer; a receipt derives several.)
 */
export function uuidFromHash(input: string): string {
  const hex = hash('sha256', input, 'hex');
  // Version 8 in the 13th digit; the variant's two bits (10) over the 17th.
  const variant = VARIANT_DIGITS[parseInt(hex[16], 16) & 0b11];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const VARIANT_DIGITS = '89ab';
