/**
 * `Uint8Array.prototype.toBase64` and `Uint8Array.fromBase64` (ECMAScript 2026), backed by Node's
 * Buffer, for runtimes that do not have them yet (Node 20). jose encodes and decodes through these
 * methods when they exist and otherwise in JavaScript, a character at a time: a batch's signed pain.001
 * is half a megabyte of XML, and that fallback cost the ledger more CPU per payment than signing it.
 *
 * Installed by `installBase64Methods()` only where a method is missing, so a runtime's own stays in
 * place. Both follow the standard: the same options, the same errors (TypeError for bad options,
 * SyntaxError for text that is not base64 of the alphabet asked for), a fresh buffer for each result.
 */

type Alphabet = 'base64' | 'base64url';
type LastChunkHandling = 'loose' | 'strict' | 'stop-before-partial';

export interface ToBase64Options {
  readonly alphabet?: Alphabet;
  readonly omitPadding?: boolean;
}

export interface FromBase64Options {
  readonly alphabet?: Alphabet;
  readonly lastChunkHandling?: LastChunkHandling;
}

/** ASCII whitespace, which the standard skips anywhere in base64 text. */
const WHITESPACE = /[\t\n\f\r ]/g;
const HAS_WHITESPACE = /[\t\n\f\r ]/;
/** Text of the alphabet, then at most two padding characters. */
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL_TEXT = /^[A-Za-z0-9_-]*={0,2}$/;
const DIGITS = {
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
};

export function toBase64(bytes: Uint8Array, options?: ToBase64Options): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('toBase64 is called on a Uint8Array');
  const opts = optionsObject(options);
  const alphabet = alphabetOf(opts);
  const omitPadding = Boolean(opts.omitPadding);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Buffer's base64url leaves the padding out and its base64 puts it in.
  if (alphabet === 'base64') {
    const text = view.toString('base64');
    return omitPadding ? text.replace(/=+$/, '') : text;
  }
  const text = view.toString('base64url');
  return omitPadding ? text : text + '='.repeat((4 - (text.length % 4)) % 4);
}

export function fromBase64(text: string, options?: FromBase64Options): Uint8Array {
  if (typeof text !== 'string') throw new TypeError('fromBase64 takes a string');
  const opts = optionsObject(options);
  const alphabet = alphabetOf(opts);
  const lastChunkHandling = lastChunkHandlingOf(opts);
  const input = HAS_WHITESPACE.test(text) ? text.replace(WHITESPACE, '') : text;
  if (!(alphabet === 'base64' ? BASE64_TEXT : BASE64URL_TEXT).test(input)) {
    throw new SyntaxError(`not ${alphabet} text`);
  }
  const padding = input.endsWith('==') ? 2 : input.endsWith('=') ? 1 : 0;
  let data = input.slice(0, input.length - padding);
  /** Characters of the last, incomplete group of four; 0 when every group is complete. */
  const partial = data.length % 4;
  if (padding > 0) {
    // Padding completes a group of two characters (==) or three (=), nothing else.
    if (partial < 2 || partial + padding > 4) throw new SyntaxError(`misplaced padding in ${alphabet} text`);
    if (partial + padding < 4) {
      if (lastChunkHandling !== 'stop-before-partial') {
        throw new SyntaxError(`incomplete padding in ${alphabet} text`);
      }
      data = data.slice(0, data.length - partial);
    } else if (lastChunkHandling === 'strict') {
      assertNoExtraBits(data, partial, alphabet);
    }
  } else if (partial > 0) {
    if (lastChunkHandling === 'stop-before-partial') data = data.slice(0, data.length - partial);
    else if (lastChunkHandling === 'strict') throw new SyntaxError(`${alphabet} text without its padding`);
    else if (partial === 1) throw new SyntaxError(`${alphabet} text ends in a lone character`);
  }
  const decoded = Buffer.from(data, 'base64');
  // Small results share Buffer's pool; a result must own its memory.
  const bytes = new Uint8Array(decoded.byteLength);
  bytes.set(decoded);
  return bytes;
}

/** Puts the two methods on Uint8Array where the runtime lacks them; keeps any it has. */
export function installBase64Methods(): void {
  if (typeof (Uint8Array.prototype as { toBase64?: unknown }).toBase64 !== 'function') {
    Object.defineProperty(Uint8Array.prototype, 'toBase64', {
      value: function (this: Uint8Array, options?: ToBase64Options) {
        return toBase64(this, options);
      },
      writable: true,
      configurable: true,
    });
  }
  if (typeof (Uint8Array as { fromBase64?: unknown }).fromBase64 !== 'function') {
    Object.defineProperty(Uint8Array, 'fromBase64', {
      value: (text: string, options?: FromBase64Options) => fromBase64(text, options),
      writable: true,
      configurable: true,
    });
  }
}

function optionsObject<T extends object>(options: T | undefined): Partial<Record<keyof T, unknown>> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  return options as Partial<Record<keyof T, unknown>>;
}

function alphabetOf(options: { alphabet?: unknown }): Alphabet {
  const alphabet = options.alphabet ?? 'base64';
  if (alphabet !== 'base64' && alphabet !== 'base64url') {
    throw new TypeError('alphabet must be "base64" or "base64url"');
  }
  return alphabet;
}

function lastChunkHandlingOf(options: { lastChunkHandling?: unknown }): LastChunkHandling {
  const handling = options.lastChunkHandling ?? 'loose';
  if (handling !== 'loose' && handling !== 'strict' && handling !== 'stop-before-partial') {
    throw new TypeError('lastChunkHandling must be "loose", "strict" or "stop-before-partial"');
  }
  return handling;
}

/** Strict decoding refuses a padded last group whose unused low bits are not zero. */
function assertNoExtraBits(data: string, partial: number, alphabet: Alphabet): void {
  const value = DIGITS[alphabet].indexOf(data[data.length - 1]);
  const unusedBits = partial === 2 ? 0b1111 : 0b11;
  if ((value & unusedBits) !== 0) throw new SyntaxError(`${alphabet} text with nonzero padding bits`);
}
