import { randomBytes } from 'node:crypto';
import { fromBase64, installBase64Methods, toBase64 } from './base64-methods';
import { generateSigningKey, signIso20022, verifyIso20022 } from './signing';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('base64 methods (ES2026 Uint8Array.prototype.toBase64 / Uint8Array.fromBase64)', () => {
  // RFC 4648, section 10.
  const vectors: Array<[string, string]> = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];

  it.each(vectors)('encodes and decodes the RFC 4648 vector %j', (plain, encoded) => {
    expect(toBase64(bytes(plain))).toBe(encoded);
    expect(toBase64(bytes(plain), { omitPadding: true })).toBe(encoded.replace(/=/g, ''));
    expect(text(fromBase64(encoded))).toBe(plain);
    expect(text(fromBase64(encoded.replace(/=/g, '')))).toBe(plain);
    expect(text(fromBase64(encoded, { lastChunkHandling: 'strict' }))).toBe(plain);
  });

  it('uses the alphabet asked for, with padding unless told to omit it', () => {
    const data = Uint8Array.of(0xfb, 0xff, 0xbf);
    expect(toBase64(data)).toBe('+/+/');
    expect(toBase64(data, { alphabet: 'base64url' })).toBe('-_-_');
    expect(toBase64(Uint8Array.of(0xfb), { alphabet: 'base64url' })).toBe('-w==');
    expect(toBase64(Uint8Array.of(0xfb), { alphabet: 'base64url', omitPadding: true })).toBe('-w');
    expect(fromBase64('-_-_', { alphabet: 'base64url' })).toEqual(data);
    expect(() => fromBase64('-_-_')).toThrow(SyntaxError);
    expect(() => fromBase64('+/+/', { alphabet: 'base64url' })).toThrow(SyntaxError);
  });

  it('encodes only the view it is called on, and decodes into a buffer of its own', () => {
    const whole = bytes('xxfooxx');
    expect(toBase64(whole.subarray(2, 5))).toBe('Zm9v');
    const decoded = fromBase64('Zm9v');
    expect(decoded).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(decoded)).toBe(false);
    expect(decoded.byteOffset).toBe(0);
    expect(decoded.buffer.byteLength).toBe(3);
  });

  it('matches Buffer on random data of every length up to 64 bytes and on half a megabyte', () => {
    for (const length of [...Array.from({ length: 65 }, (_, i) => i), 512 * 1024 + 1]) {
      const data = new Uint8Array(randomBytes(length));
      const url = Buffer.from(data).toString('base64url');
      expect(toBase64(data, { alphabet: 'base64url', omitPadding: true })).toBe(url);
      expect(toBase64(data)).toBe(Buffer.from(data).toString('base64'));
      expect(fromBase64(url, { alphabet: 'base64url' })).toEqual(data);
    }
  });

  it('skips ASCII whitespace anywhere, padding included', () => {
    expect(text(fromBase64(' Zm9v\nYg =\t= '))).toBe('foob');
  });

  it.each([
    ['a character outside the alphabet', 'Zm9v!'],
    ['a lone last character', 'Zm9vY'],
    ['padding after one character', 'Zm9vY==='],
    ['padding in the middle', 'Zg==Zm9v'],
    ['three padding characters', 'Zg==='],
    ['padding after three characters doubled', 'Zm8=='],
    ['one padding character after two', 'Zg='],
  ])('refuses %s with a SyntaxError', (_, encoded) => {
    expect(() => fromBase64(encoded)).toThrow(SyntaxError);
  });

  it('in strict mode wants padding and unused bits of zero', () => {
    expect(() => fromBase64('Zg', { lastChunkHandling: 'strict' })).toThrow(SyntaxError);
    expect(() => fromBase64('Zh==', { lastChunkHandling: 'strict' })).toThrow(SyntaxError);
    expect(() => fromBase64('Zm9=', { lastChunkHandling: 'strict' })).toThrow(SyntaxError);
    expect(fromBase64('Zh==')).toEqual(bytes('f'));
  });

  it('with stop-before-partial leaves an incomplete last group out', () => {
    expect(text(fromBase64('Zm9vYg', { lastChunkHandling: 'stop-before-partial' }))).toBe('foo');
    expect(text(fromBase64('Zm9vYg=', { lastChunkHandling: 'stop-before-partial' }))).toBe('foo');
    expect(text(fromBase64('Zm9vYg==', { lastChunkHandling: 'stop-before-partial' }))).toBe('foob');
  });

  it('refuses options it does not know with a TypeError', () => {
    expect(() => toBase64(bytes('f'), { alphabet: 'hex' as never })).toThrow(TypeError);
    expect(() => toBase64(bytes('f'), 'base64' as never)).toThrow(TypeError);
    expect(() => fromBase64('Zg==', { lastChunkHandling: 'lenient' as never })).toThrow(TypeError);
    expect(() => fromBase64(42 as never)).toThrow(TypeError);
    expect(() => toBase64([1, 2] as never)).toThrow(TypeError);
  });

  it('installs itself where the runtime has no such methods, and keeps a runtime method that exists', () => {
    const native = Object.getOwnPropertyDescriptor(Uint8Array.prototype, 'toBase64');
    const own = () => 'the runtime method';
    Object.defineProperty(Uint8Array.prototype, 'toBase64', {
      value: own,
      writable: true,
      configurable: true,
    });
    try {
      installBase64Methods();
      expect((Uint8Array.prototype as unknown as { toBase64: unknown }).toBase64).toBe(own);
      delete (Uint8Array.prototype as { toBase64?: unknown }).toBase64;
      installBase64Methods();
      expect((bytes('foo') as unknown as { toBase64(): string }).toBase64()).toBe('Zm9v');
    } finally {
      if (native) Object.defineProperty(Uint8Array.prototype, 'toBase64', native);
    }
  });

  it('carries a half-megabyte message through signing and verifying (jose uses the methods)', async () => {
    expect(typeof (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64).toBe('function');
    const key = await generateSigningKey('connector-1');
    const xml = `<Document>${'<Tx>Zoë 12.50</Tx>'.repeat(30_000)}</Document>`;
    const jws = await signIso20022(xml, key);
    expect(jws.split('.')[1]).toBe(Buffer.from(xml).toString('base64url'));
    await expect(verifyIso20022(jws, new Map([['connector-1', key.publicJwk]]))).resolves.toEqual({
      xml,
      kid: 'connector-1',
    });
  });
});
