import { generateKeyPair, exportSPKI, SignJWT } from 'jose';
import { JwtVerifier } from './jwt-verifier';

const secret = new TextEncoder().encode('unit-test-secret-that-is-long-enough!!');

async function hs256(
  claims: Record<string, unknown>,
  exp: number,
  key: Uint8Array = secret,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setExpirationTime(exp)
    .sign(key);
}

describe('JwtVerifier', () => {
  afterEach(() => jest.useRealTimers());

  it('returns the subject and only the known roles', async () => {
    const verifier = await JwtVerifier.create({ secret });
    const token = await hs256({ roles: ['manager', 'root', 7] }, Math.floor(Date.now() / 1000) + 60);
    expect(await verifier.verify(token)).toEqual({ subject: 'alice', roles: ['manager'] });
  });

  it('refuses a cached token once it has expired', async () => {
    const verifier = await JwtVerifier.create({ secret });
    const now = Date.now();
    const token = await hs256({ roles: ['employee'] }, Math.floor(now / 1000) + 30);
    await verifier.verify(token);
    // Only the clock is faked: the verifier's cache and jose must both see the token as expired.
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask'],
    });
    jest.setSystemTime(now + 60_000);
    await expect(verifier.verify(token)).rejects.toThrow(/exp/);
  });

  it('refuses a token without an expiry, and a short secret at start', async () => {
    const verifier = await JwtVerifier.create({ secret });
    const noExp = await new SignJWT({ roles: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .sign(secret);
    await expect(verifier.verify(noExp)).rejects.toThrow(/exp/);
    await expect(JwtVerifier.create({ secret: new TextEncoder().encode('short') })).rejects.toThrow(
      /32 bytes/,
    );
  });

  it('verifies ES256 with a PEM public key and refuses HS256 tokens signed with that key text', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const verifier = await JwtVerifier.create({
      publicKeyPem: pem,
      publicKeyAlg: 'ES256',
      issuer: 'idp',
      audience: 'ledger',
    });
    const good = await new SignJWT({ roles: ['treasurer'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('tina')
      .setIssuer('idp')
      .setAudience('ledger')
      .setExpirationTime('1m')
      .sign(privateKey);
    expect(await verifier.verify(good)).toEqual({ subject: 'tina', roles: ['treasurer'] });
    const confused = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer('idp')
      .setAudience('ledger')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(pem));
    await expect(verifier.verify(confused)).rejects.toThrow(/invalid token/);
  });
});
