import { SignJWT } from 'jose';

export const TEST_JWT_SECRET = 'e2e-secret-that-is-long-enough-for-hs256!';
export const TEST_ISSUER = 'https://idp.test';
export const TEST_AUDIENCE = 'payment-ledger';

export interface TokenOptions {
  readonly secret?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly expiresIn?: string | number;
  readonly notBefore?: string | number;
}

export async function tokenFor(sub: string, roles: string[], options: TokenOptions = {}): Promise<string> {
  let jwt = new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setIssuer(options.issuer ?? TEST_ISSUER)
    .setAudience(options.audience ?? TEST_AUDIENCE)
    .setExpirationTime(options.expiresIn ?? '10m');
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

export interface Reply<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** A tiny HTTP client for the e2e suites: JSON in, JSON (or problem+json) out. */
export class Api {
  constructor(private readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body:
        options.body === undefined
          ? undefined
          : typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
  }

  post<T = Record<string, unknown>>(
    path: string,
    token: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    return this.request<T>('POST', path, { token, body, headers });
  }

  get<T = Record<string, unknown>>(path: string, token: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, { token, headers });
  }
}
