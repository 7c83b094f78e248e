import {
  BankGateway,
  BankMessageEnvelope,
  BankRefusedError,
  BankUnavailableError,
} from './bank-gateway.port';

export interface HttpBankGatewayOptions {
  /** The bank's base URL, e.g. `http://127.0.0.1:3003`; the paths below it are the sandbox bank's. */
  readonly baseUrl: string;
  /** Longest wait for the acknowledgement of a pain.001, body included (default 10 s). */
  readonly submitTimeoutMs?: number;
  /** Longest wait for a page of messages (default 10 s). */
  readonly fetchTimeoutMs?: number;
}

const JOSE = 'application/jose';
// A request timeout and rate limiting say "later", not "never".
const RETRYABLE_4XX = new Set([408, 425, 429]);

/**
 * The bank over HTTP: `POST {baseUrl}/iso20022/pain.001` with the compact JWS, and
 * `GET {baseUrl}/iso20022/messages?after=&limit=`. A timeout, a refused or broken connection, a 5xx (or 408 /
 * 425 / 429) or an answer that is not what the bank promises is `BankUnavailableError` (worth retrying with
 * the same message); any other 4xx is `BankRefusedError` with the problem's `code`. `close()` aborts the
 * requests in flight.
 */
export class HttpBankGateway implements BankGateway {
  private readonly baseUrl: string;
  private readonly submitTimeoutMs: number;
  private readonly fetchTimeoutMs: number;
  private readonly closing = new AbortController();

  constructor(options: HttpBankGatewayOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.submitTimeoutMs = options.submitTimeoutMs ?? 10_000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 10_000;
  }

  async submitCreditTransfers(signedPain001: string): Promise<string> {
    const { status, body } = await this.request(
      `${this.baseUrl}/iso20022/pain.001`,
      {
        method: 'POST',
        headers: { 'content-type': JOSE, accept: `${JOSE}, application/problem+json` },
        body: signedPain001,
      },
      this.submitTimeoutMs,
    );
    const ack = body.trim();
    if (!isCompactJws(ack)) {
      throw new BankUnavailableError(`the bank answered ${status} without a signed acknowledgement`, status);
    }
    return ack;
  }

  async fetchMessages(cursor: string | undefined, limit: number): Promise<readonly BankMessageEnvelope[]> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor !== undefined) query.set('after', cursor);
    const { status, body } = await this.request(
      `${this.baseUrl}/iso20022/messages?${query}`,
      { method: 'GET', headers: { accept: 'application/json' } },
      this.fetchTimeoutMs,
    );
    let messages: unknown;
    try {
      messages = JSON.parse(body);
    } catch {
      messages = undefined;
    }
    if (!Array.isArray(messages) || !messages.every(isEnvelope)) {
      throw new BankUnavailableError(
        `the bank answered ${status} with something other than a message list`,
        status,
      );
    }
    return messages.map(({ cursor, jws }) => ({ cursor, jws }));
  }

  async close(): Promise<void> {
    this.closing.abort(new BankUnavailableError('the bank gateway was closed'));
  }

  /** Sends one request; resolves only with a 2xx and its whole body, read within the same timeout. */
  private async request(
    url: string,
    init: RequestInit,
    timeoutMs: number,
  ): Promise<{ status: number; body: string }> {
    if (this.closing.signal.aborted) throw new BankUnavailableError('the bank gateway is closed');
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), this.closing.signal]);
    let status: number;
    let body: string;
    try {
      const response = await fetch(url, { ...init, signal });
      status = response.status;
      body = await response.text();
    } catch (error) {
      throw new BankUnavailableError(describeFailure(error, url, timeoutMs));
    }
    if (status >= 200 && status < 300) return { status, body };
    const problem = parseProblem(body);
    const detail = problem.detail ?? `the bank answered ${status}`;
    if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
      throw new BankRefusedError(detail, status, problem.code);
    }
    throw new BankUnavailableError(
      problem.code !== undefined ? `${problem.code}: ${detail}` : detail,
      status,
    );
  }
}

function describeFailure(error: unknown, url: string, timeoutMs: number): string {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError') return `no answer from ${url} within ${timeoutMs} ms`;
  if (error instanceof BankUnavailableError) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
  return `cannot reach the bank at ${url}: ${reason}`;
}

function parseProblem(body: string): { code?: string; detail?: string } {
  try {
    const problem = JSON.parse(body) as { code?: unknown; detail?: unknown };
    return {
      ...(typeof problem?.code === 'string' ? { code: problem.code } : {}),
      ...(typeof problem?.detail === 'string' ? { detail: problem.detail } : {}),
    };
  } catch {
    return {};
  }
}

function isCompactJws(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/.test(value);
}

function isEnvelope(value: unknown): value is BankMessageEnvelope {
  const envelope = value as Partial<BankMessageEnvelope>;
  return (
    typeof envelope?.cursor === 'string' && typeof envelope.jws === 'string' && isCompactJws(envelope.jws)
  );
}
