import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRemoteJWKSet, importSPKI, JWTPayload, jwtVerify, JWTVerifyGetKey } from 'jose';
import { Actor } from '@ledger/events';

export const KNOWN_ROLES = [
  'employee',
  'manager',
  'finance',
  'cfo',
  'treasurer',
  'auditor',
  'admin',
] as const;
export type Role = (typeof KNOWN_ROLES)[number];

const CLOCK_TOLERANCE_S = 5;

export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export interface JwtVerifierConfig {
  /** HS256 shared secret (development and tests). */
  readonly secret?: Uint8Array;
  /** RS256/ES256 keys from a JWKS endpoint (production). */
  readonly jwksUrl?: string;
  /** RS256/ES256 PEM public key (production). */
  readonly publicKeyPem?: string;
  readonly publicKeyAlg?: 'RS256' | 'ES256';
  readonly issuer?: string;
  readonly audience?: string;
}

/**
 * Verifies bearer tokens with `jose`. The accepted algorithms are pinned by the configured key kind,
 * so `alg: none`, an HS256 token signed with a public key, or any other substitution fails; so do
 * expired, not-yet-valid, tampered and wrong-issuer/audience tokens.
 */
export class JwtVerifier {
  /**
   * Tokens already verified, by their exact text, with their expiry. Internal services send the same
   * token with every request until it expires; re-running the signature check each time would cost
   * more than most commands. A hit is still refused once `exp` (or before `nbf`) is passed.
   */
  private readonly verified = new Map<string, { actor: Actor; exp: number; nbf: number }>();
  private static readonly MAX_CACHED = 10_000;

  private constructor(
    private readonly key: KeyObject | Awaited<ReturnType<typeof importSPKI>> | JWTVerifyGetKey,
    private readonly algorithms: string[],
    private readonly config: JwtVerifierConfig,
  ) {}

  static async create(config: JwtVerifierConfig): Promise<JwtVerifier> {
    if (config.jwksUrl)
      return new JwtVerifier(createRemoteJWKSet(new URL(config.jwksUrl)), ['RS256', 'ES256'], config);
    if (config.publicKeyPem) {
      const alg = config.publicKeyAlg ?? 'RS256';
      return new JwtVerifier(await importSPKI(config.publicKeyPem, alg), [alg], config);
    }
    if (config.secret) {
      if (config.secret.length < 32) throw new Error('AUTH_JWT_SECRET must be at least 32 bytes');
      // Imported once: importing the raw secret on every verification costs more than the HMAC.
      return new JwtVerifier(createSecretKey(config.secret), ['HS256'], config);
    }
    throw new Error(
      'no token verification key configured (AUTH_JWT_SECRET, AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY)',
    );
  }

  async verify(token: string): Promise<Actor> {
    const now = Date.now() / 1000;
    const hit = this.verified.get(token);
    if (hit && now < hit.exp + CLOCK_TOLERANCE_S && now >= hit.nbf - CLOCK_TOLERANCE_S) return hit.actor;
    if (hit) this.verified.delete(token);
    const { actor, payload } = await this.verifyFully(token);
    if (this.verified.size >= JwtVerifier.MAX_CACHED)
      this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { actor, exp: payload.exp!, nbf: payload.nbf ?? 0 });
    return actor;
  }

  private async verifyFully(token: string): Promise<{ actor: Actor; payload: JWTPayload }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as KeyObject, {
        algorithms: this.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw new AuthenticationError(`invalid token: ${(error as Error).message}`);
    }
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 200) {
      throw new AuthenticationError('invalid token: sub must be a non-empty string');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    const actor = {
      subject,
      roles: roles.filter((r): r is Role => (KNOWN_ROLES as readonly unknown[]).includes(r)),
    };
    return { actor, payload };
  }
}

/**
 * Reads the verifier's configuration from the environment. With none at all and no production store
 * configured, a development secret is generated once into the data directory, so `npm start` works
 * out of the box and `npm run token` signs with the same secret.
 */
export function jwtConfigFromEnv(env: NodeJS.ProcessEnv, dataDirectory: string): JwtVerifierConfig {
  const common = { issuer: env.AUTH_JWT_ISSUER || undefined, audience: env.AUTH_JWT_AUDIENCE || undefined };
  if (env.AUTH_JWKS_URL) return { ...common, jwksUrl: env.AUTH_JWKS_URL };
  if (env.AUTH_JWT_PUBLIC_KEY) {
    const alg = env.AUTH_JWT_ALG === 'ES256' ? 'ES256' : 'RS256';
    return { ...common, publicKeyPem: env.AUTH_JWT_PUBLIC_KEY.replace(/\\n/g, '\n'), publicKeyAlg: alg };
  }
  if (env.AUTH_JWT_SECRET) return { ...common, secret: new TextEncoder().encode(env.AUTH_JWT_SECRET) };
  if (env.EVENTSTORE_URL) {
    throw new Error(
      'production mode (EVENTSTORE_URL set) needs AUTH_JWKS_URL, AUTH_JWT_PUBLIC_KEY or AUTH_JWT_SECRET',
    );
  }
  return { ...common, secret: new TextEncoder().encode(developmentSecret(dataDirectory)) };
}

export function developmentSecret(dataDirectory: string): string {
  const file = join(dataDirectory, 'dev-jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}
