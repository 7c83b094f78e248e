import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  JSONWebKeySet,
  JWK,
  KeyObject,
} from 'jose';
import { installBase64Methods } from './base64-methods';
import { Iso20022Error } from './iso20022.error';

// jose encodes a payload through Uint8Array's base64 methods where the runtime has them, and otherwise
// in JavaScript; Node 20 has not, and a batch's pain.001 is half a megabyte.
installBase64Methods();

/**
 * ISO 20022 messages travel between the connector and the bank as compact JWS: the payload is the XML bytes,
 * the protected header `{ alg: 'ES256', kid, typ: 'JOSE', cty: 'application/xml' }`.
 */

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey | KeyObject;
}

type PublicKey = CryptoKey | KeyObject | JWK;

/** A JWS header → key resolver such as jose's `createLocalJWKSet` / `createRemoteJWKSet` return. */
export type JwksResolver = (
  protectedHeader: { kid?: string; alg?: string },
  token: unknown,
) => Promise<PublicKey> | PublicKey;

/** The keys whose signatures are accepted: kid → public key, a JWKS document, or a jose JWKS resolver. */
export type TrustedKeys =
  ReadonlyMap<string, PublicKey> | Readonly<Record<string, PublicKey>> | JSONWebKeySet | JwksResolver;

const ALGORITHM = 'ES256';
const CONTENT_TYPE = 'application/xml';
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

export async function signIso20022(xml: string, key: SigningKey): Promise<string> {
  if (typeof xml !== 'string' || xml === '') {
    throw new Iso20022Error('ISO20022.MALFORMED_XML', 'only a non-empty XML text can be signed');
  }
  if (typeof key?.kid !== 'string' || key.kid === '') {
    throw new Iso20022Error('ISO20022.INVALID_KEY', 'a signing key needs a kid');
  }
  try {
    return await new CompactSign(new TextEncoder().encode(xml))
      .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: 'JOSE', cty: CONTENT_TYPE })
      .sign(key.privateKey);
  } catch (error) {
    throw new Iso20022Error(
      'ISO20022.INVALID_KEY',
      `cannot sign with key ${key.kid}: ${(error as Error).message}`,
    );
  }
}

/**
 * Verifies a compact JWS from `trusted` keys and returns the XML it carries. Anything else — not a JWS, an
 * unknown kid, a signature that does not match, an algorithm other than ES256 (`none` included), another
 * content type — is BAD_SIGNATURE.
 */
export async function verifyIso20022(
  jws: string,
  trusted: TrustedKeys,
): Promise<{ xml: string; kid: string }> {
  if (typeof jws !== 'string' || !COMPACT_JWS.test(jws.trim())) {
    throw badSignature('not a signed compact JWS');
  }
  const resolve = resolverOf(trusted);
  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    verified = await compactVerify(
      jws.trim(),
      async (header, token) => {
        if (typeof header.kid !== 'string') throw badSignature('the JWS names no kid');
        const key = await resolve(header, token);
        return isJwk(key) ? imported(key) : key;
      },
      { algorithms: [ALGORITHM] },
    );
  } catch (error) {
    if (error instanceof Iso20022Error) throw error;
    throw badSignature((error as Error).message);
  }
  const { protectedHeader, payload } = verified;
  if (protectedHeader.cty !== CONTENT_TYPE) {
    throw badSignature(`content type ${JSON.stringify(protectedHeader.cty)} is not ${CONTENT_TYPE}`);
  }
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    throw new Iso20022Error('ISO20022.MALFORMED_XML', 'the signed payload is not UTF-8 text');
  }
  return { xml, kid: protectedHeader.kid as string };
}

/**
 * Trusted keys from a JWKS document (`{ keys: [...] }`, e.g. a bank's published keys): each key must be an
 * EC P-256 public key with a kid. Private members (`d`) are dropped; a malformed set is INVALID_KEY.
 */
export function trustedKeysFromJwks(jwks: unknown): ReadonlyMap<string, JWK> {
  if (!isJwks(jwks))
    throw new Iso20022Error('ISO20022.INVALID_KEY', 'a JWKS is an object with a "keys" list');
  const keys = new Map<string, JWK>();
  jwks.keys.forEach((key, index) => {
    const { kty, crv, x, y, kid } = (key ?? {}) as JWK;
    if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string') {
      throw new Iso20022Error('ISO20022.INVALID_KEY', `JWKS key ${index} is not an EC P-256 public key`);
    }
    if (typeof kid !== 'string' || kid === '' || keys.has(kid)) {
      throw new Iso20022Error('ISO20022.INVALID_KEY', `JWKS key ${index} needs a kid of its own`);
    }
    keys.set(kid, { kty, crv, x, y, kid, alg: ALGORITHM });
  });
  return keys;
}

/**
 * Keys imported and key sets resolved, by their content: importing the key again for every message
 * cost about 0.4 ms of the main thread each (profiled). Keyed by the keys themselves, not the object
 * holding them, so a key set changed in place (a key added or revoked) is read afresh.
 */
const CACHED_KEYS = 64;
const importedKeys = new Map<string, ReturnType<typeof importJWK>>();
const keySetResolvers = new Map<string, JwksResolver>();

function imported(jwk: JWK): ReturnType<typeof importJWK> {
  const id = JSON.stringify([jwk.kty, jwk.crv, jwk.x, jwk.y, jwk.alg]);
  let key = importedKeys.get(id);
  if (key === undefined) {
    key = importJWK(jwk, ALGORITHM);
    remember(importedKeys, id, key);
    // A key that fails to import is tried again next time rather than failing for good.
    key.catch(() => importedKeys.delete(id));
  }
  return key;
}

function keySetResolver(trusted: JSONWebKeySet): JwksResolver {
  const id = JSON.stringify(trusted.keys);
  let resolver = keySetResolvers.get(id);
  if (resolver === undefined) {
    // jose's local set keeps the keys it imported: one set per key set, not per message.
    const jwks = createLocalJWKSet(trusted);
    resolver = (header, token) => jwks(header as never, token as never);
    remember(keySetResolvers, id, resolver);
  }
  return resolver;
}

function remember<T>(cache: Map<string, T>, id: string, value: T): void {
  if (cache.size >= CACHED_KEYS) cache.delete(cache.keys().next().value as string);
  cache.set(id, value);
}

function resolverOf(trusted: TrustedKeys): JwksResolver {
  if (typeof trusted === 'function') return trusted;
  if (trusted instanceof Map) {
    return ({ kid }) => trusted.get(kid as string) ?? unknownKid(kid);
  }
  if (isJwks(trusted)) return keySetResolver(trusted);
  const record = trusted as Readonly<Record<string, PublicKey>>;
  return ({ kid }) =>
    Object.prototype.hasOwnProperty.call(record, kid as string) ? record[kid as string] : unknownKid(kid);
}

function isJwks(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && Array.isArray((value as JSONWebKeySet).keys);
}

function isJwk(key: PublicKey): key is JWK {
  return typeof key === 'object' && key !== null && typeof (key as JWK).kty === 'string';
}

function unknownKid(kid: string | undefined): never {
  throw badSignature(`no trusted key with kid ${JSON.stringify(kid)}`);
}

function badSignature(reason: string): Iso20022Error {
  return new Iso20022Error('ISO20022.BAD_SIGNATURE', `signature refused: ${reason}`);
}

// ---- keys ------------------------------------------------------------------------------------------------

/** A new ES256 key pair; the private key is extractable so that it can be stored. */
export async function generateSigningKey(kid: string): Promise<SigningKey & { publicJwk: JWK }> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const key = { kid, privateKey };
  return { ...key, publicJwk: await exportPublicJwk(key) };
}

/** The public half as a JWK to hand to the other side (`kid`, `alg: ES256`, `use: sig`). */
export async function exportPublicJwk(key: SigningKey): Promise<JWK> {
  const { kty, crv, x, y } = await exportJwk(key);
  return { kty, crv, x, y, kid: key.kid, alg: ALGORITHM, use: 'sig' };
}

/** A PKCS #8 PEM private key from configuration. */
export async function importSigningKeyFromPem(
  pkcs8Pem: string,
  kid: string,
): Promise<SigningKey & { publicJwk: JWK }> {
  let privateKey: CryptoKey;
  try {
    privateKey = await importPKCS8(pkcs8Pem, ALGORITHM, { extractable: true });
  } catch (error) {
    throw new Iso20022Error(
      'ISO20022.INVALID_KEY',
      `not a PKCS #8 P-256 private key: ${(error as Error).message}`,
    );
  }
  const key = { kid, privateKey };
  return { ...key, publicJwk: await exportPublicJwk(key) };
}

/**
 * The key stored in `file` (a private JWK), or a new one written there on first use: created as a temporary
 * file with mode 0600, flushed, then linked into place. A link never replaces an existing file, so when two
 * processes start at once both end up with the one key that won (a rename would let the second overwrite
 * the key the first already uses); where links are not supported, it falls back to a rename.
 */
export async function loadOrCreateSigningKey(
  file: string,
  kid: string,
): Promise<SigningKey & { publicJwk: JWK }> {
  const stored = await readStoredKey(file, kid);
  if (stored !== undefined) return stored;
  const generated = await generateSigningKey(kid);
  const jwk = { ...(await exportJwk(generated)), kid, alg: ALGORITHM, use: 'sig' };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(jwk, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      await unlink(temporary);
      const winner = await readStoredKey(file, kid);
      if (winner !== undefined) return winner;
      throw new Iso20022Error(
        'ISO20022.INVALID_KEY',
        `signing key file ${file} vanished while being created`,
      );
    }
    await rename(temporary, file);
    return generated;
  }
  await unlink(temporary);
  return generated;
}

async function readStoredKey(
  file: string,
  kid: string,
): Promise<(SigningKey & { publicJwk: JWK }) | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Iso20022Error(
      'ISO20022.INVALID_KEY',
      `cannot read signing key ${file}: ${(error as Error).message}`,
    );
  }
  try {
    const jwk = JSON.parse(text) as JWK;
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
      throw new Error('expected an EC P-256 private JWK');
    }
    const { kty, crv, x, y, d } = jwk;
    const privateKey = (await importJWK({ kty, crv, x, y, d }, ALGORITHM, {
      extractable: true,
    })) as CryptoKey;
    const key = { kid, privateKey };
    return { ...key, publicJwk: await exportPublicJwk(key) };
  } catch (error) {
    throw new Iso20022Error(
      'ISO20022.INVALID_KEY',
      `signing key file ${file} is not usable: ${(error as Error).message}`,
    );
  }
}

async function exportJwk(key: SigningKey): Promise<JWK> {
  try {
    return await exportJWK(key.privateKey);
  } catch (error) {
    throw new Iso20022Error(
      'ISO20022.INVALID_KEY',
      `cannot export key ${key.kid}: ${(error as Error).message}`,
    );
  }
}
