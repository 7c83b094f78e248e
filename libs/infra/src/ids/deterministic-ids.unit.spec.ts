import { createHash } from 'node:crypto';
import { canonicalJson, uuidFromHash } from './deterministic-ids';

/** The derivation as first written: the digest's first 16 bytes, version and variant bits set. */
function reference(input: string): string {
  const bytes = createHash('sha256').update(input).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('deterministic ids', () => {
  it('derive the ids the first derivation did, for every variant digit', () => {
    const inputs = Array.from({ length: 2_000 }, (_, i) => `event|cmd-${i}|payment-${i * 7}|hash|0|Zoë ${i}`);
    const variants = new Set<string>();
    for (const input of inputs) {
      const id = uuidFromHash(input);
      expect(id).toBe(reference(input));
      variants.add(id[19]);
    }
    expect([...variants].sort()).toEqual(['8', '9', 'a', 'b']);
  });

  it('are version-8 UUIDs of the RFC 9562 variant', () => {
    expect(uuidFromHash('id|payment|batch-1|claim-1')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('write canonical JSON whatever the key order, leaving undefined fields out', () => {
    expect(canonicalJson({ b: [1, { d: 'x', c: undefined }], a: null })).toBe('{"a":null,"b":[1,{"d":"x"}]}');
  });
});
