import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import {
  exportPublicJwk,
  generateSigningKey,
  importSigningKeyFromPem,
  Iso20022Error,
  loadOrCreateSigningKey,
  signIso20022,
  trustedKeysFromJwks,
  verifyIso20022,
} from './index';
import { codeOfRejection as codeOf } from './testing/spec-helpers';

const xml =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:x"><Nm>Zoë &amp; Co</Nm></Document>\n';

const b64url = (text: string) => Buffer.from(text).toString('base64url');

describe('signing', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'iso20022-keys-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('signs the XML bytes as a compact ES256 JWS that verifies with the public key', async () => {
    const key = await generateSigningKey('connector-1');
    const jws = await signIso20022(xml, key);
    const [header, payload] = jws.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'ES256',
      kid: 'connector-1',
      typ: 'JOSE',
      cty: 'application/xml',
    });
    expect(Buffer.from(payload, 'base64url').toString()).toBe(xml);
    expect(await verifyIso20022(jws, new Map([['connector-1', key.publicJwk]]))).toEqual({
      xml,
      kid: 'connector-1',
    });
    expect(await verifyIso20022(jws, { 'connector-1': key.publicJwk })).toEqual({ xml, kid: 'connector-1' });
    expect(await verifyIso20022(jws, { keys: [key.publicJwk] })).toEqual({ xml, kid: 'connector-1' });
    expect(await verifyIso20022(jws, trustedKeysFromJwks({ keys: [key.publicJwk] }))).toEqual({
      xml,
      kid: 'connector-1',
    });
  });

  it('refuses a tampered payload, another key, an unknown kid, alg none, HS256 and non-JWS strings', async () => {
    const key = await generateSigningKey('bank-1');
    const other = await generateSigningKey('bank-1');
    const trusted = new Map([['bank-1', key.publicJwk]]);
    const jws = await signIso20022(xml, key);
    const [header, , signature] = jws.split('.');

    const tampered = `${header}.${b64url(xml.replace('Zoë', 'Eve'))}.${signature}`;
    expect(await codeOf(verifyIso20022(tampered, trusted))).toBe('ISO20022.BAD_SIGNATURE');
    expect(await codeOf(verifyIso20022(await signIso20022(xml, other), trusted))).toBe(
      'ISO20022.BAD_SIGNATURE',
    );
    expect(await codeOf(verifyIso20022(await signIso20022(xml, { ...key, kid: 'stranger' }), trusted))).toBe(
      'ISO20022.BAD_SIGNATURE',
    );
    const none = `${b64url(JSON.stringify({ alg: 'none', kid: 'bank-1', cty: 'application/xml' }))}.${b64url(xml)}.`;
    expect(await codeOf(verifyIso20022(none, trusted))).toBe('ISO20022.BAD_SIGNATURE');
    expect(await codeOf(verifyIso20022(new UnsecuredJWT({ xml }).encode(), trusted))).toBe(
      'ISO20022.BAD_SIGNATURE',
    );
    const hmac = await new SignJWT({ xml })
      .setProtectedHeader({ alg: 'HS256', kid: 'bank-1' })
      .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));
    expect(await codeOf(verifyIso20022(hmac, trusted))).toBe('ISO20022.BAD_SIGNATURE');
    for (const garbage of ['', 'not a jws', xml, 'a.b', `${jws}.extra`]) {
      expect(await codeOf(verifyIso20022(garbage, trusted))).toBe('ISO20022.BAD_SIGNATURE');
    }
  });

  it('reads a trusted key set afresh when it changes in place: a revoked key is refused', async () => {
    const [oldKey, newKey] = await Promise.all([generateSigningKey('bank-1'), generateSigningKey('bank-2')]);
    const jwks = { keys: [oldKey.publicJwk] };
    const byMap = new Map([['bank-1', { ...oldKey.publicJwk }]]);
    const signedByOld = await signIso20022(xml, oldKey);
    await expect(verifyIso20022(signedByOld, jwks)).resolves.toMatchObject({ kid: 'bank-1' });
    await expect(verifyIso20022(signedByOld, byMap)).resolves.toMatchObject({ kid: 'bank-1' });
    // The bank rotates its key; the same objects now hold only the new one.
    jwks.keys = [newKey.publicJwk];
    byMap.delete('bank-1');
    byMap.set('bank-2', { ...newKey.publicJwk });
    expect(await codeOf(verifyIso20022(signedByOld, jwks))).toBe('ISO20022.BAD_SIGNATURE');
    expect(await codeOf(verifyIso20022(signedByOld, byMap))).toBe('ISO20022.BAD_SIGNATURE');
    await expect(verifyIso20022(await signIso20022(xml, newKey), jwks)).resolves.toMatchObject({
      kid: 'bank-2',
    });
    // A JWK changed in place to another key's coordinates is imported again, not taken from memory.
    const shared = { ...oldKey.publicJwk };
    await expect(verifyIso20022(signedByOld, new Map([['bank-1', shared]]))).resolves.toBeTruthy();
    Object.assign(shared, { x: newKey.publicJwk.x, y: newKey.publicJwk.y });
    expect(await codeOf(verifyIso20022(signedByOld, new Map([['bank-1', shared]])))).toBe(
      'ISO20022.BAD_SIGNATURE',
    );
  });

  it('refuses a correctly signed JWS that does not declare XML content', async () => {
    const key = await generateSigningKey('bank-1');
    const jwt = await new SignJWT({ xml })
      .setProtectedHeader({ alg: 'ES256', kid: 'bank-1' })
      .sign(key.privateKey);
    expect(await codeOf(verifyIso20022(jwt, new Map([['bank-1', key.publicJwk]])))).toBe(
      'ISO20022.BAD_SIGNATURE',
    );
  });

  it('exports only the public half of a key', async () => {
    const key = await generateSigningKey('k');
    const jwk = await exportPublicJwk(key);
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'k', alg: 'ES256', use: 'sig' });
  });

  it('imports a PKCS #8 PEM key from configuration', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = await importSigningKeyFromPem(pem, 'configured');
    const jws = await signIso20022(xml, key);
    expect((await verifyIso20022(jws, new Map([['configured', key.publicJwk]]))).kid).toBe('configured');
    expect(
      await codeOf(
        importSigningKeyFromPem('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----', 'x'),
      ),
    ).toBe('ISO20022.INVALID_KEY');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(
      await codeOf(importSigningKeyFromPem(rsa.export({ type: 'pkcs8', format: 'pem' }).toString(), 'x')),
    ).toBe('ISO20022.INVALID_KEY');
  });

  it('loadOrCreateSigningKey creates the key once (mode 0600, no temporary left), then loads the same key', async () => {
    const file = join(directory, 'data', 'signing-key.json');
    const created = await loadOrCreateSigningKey(file, 'dev');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(directory, 'data'))).toEqual(['signing-key.json']);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    expect(stored).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'dev', alg: 'ES256' });
    expect(typeof stored.d).toBe('string');

    const loaded = await loadOrCreateSigningKey(file, 'dev');
    expect(loaded.publicJwk).toEqual(created.publicJwk);
    // What one signs, the other's public key verifies: it is the same key.
    const jws = await signIso20022(xml, loaded);
    expect((await verifyIso20022(jws, new Map([['dev', created.publicJwk]]))).xml).toBe(xml);
  });

  it('gives processes starting together one and the same key', async () => {
    const file = join(directory, 'signing-key.json');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSigningKey(file, 'dev')));
    const stored = await loadOrCreateSigningKey(file, 'dev');
    for (const key of keys) expect(key.publicJwk).toEqual(stored.publicJwk);
    expect(readdirSync(directory)).toEqual(['signing-key.json']);
  });

  it('refuses a key file that holds no ES256 private key', async () => {
    const file = join(directory, 'signing-key.json');
    writeFileSync(file, 'not json');
    expect(await codeOf(loadOrCreateSigningKey(file, 'dev'))).toBe('ISO20022.INVALID_KEY');
    const { publicKey } = await generateKeyPair('ES256');
    writeFileSync(file, JSON.stringify(await exportJWK(publicKey)));
    expect(await codeOf(loadOrCreateSigningKey(file, 'dev'))).toBe('ISO20022.INVALID_KEY');
  });

  it('refuses a malformed JWKS', () => {
    expect(() => trustedKeysFromJwks({ nope: [] })).toThrow(Iso20022Error);
    expect(() => trustedKeysFromJwks({ keys: [{ kty: 'RSA', kid: 'r', n: 'x', e: 'AQAB' }] })).toThrow(
      'not an EC P-256 public key',
    );
  });
});
