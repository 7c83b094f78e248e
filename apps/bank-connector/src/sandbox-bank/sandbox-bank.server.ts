import Fastify, { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SandboxBank } from './sandbox-bank';
import { SandboxBankFailure, SandboxBankRefusal } from './sandbox-bank.refusal';

/**
 * A fault the server plays on the next `count` matching requests, for tests of the connector's retries:
 * `unavailable` answers 503, `hang` holds the request open for `hangMs` (past the client's timeout) and then
 * answers 503. With `afterProcessing` the bank handles the request first, so the answer is lost but the
 * payment made: what a timeout after the bank booked looks like.
 */
export interface SandboxFault {
  readonly mode: 'unavailable' | 'hang';
  readonly count: number;
  /** Which requests: pain.001 submissions (default) or message fetches. */
  readonly target?: 'submit' | 'messages';
  readonly afterProcessing?: boolean;
  /** How long a `hang` lasts (default 30 s); the server lets go of it at once when it closes. */
  readonly hangMs?: number;
}

export interface SandboxBankServerOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Largest request body accepted (default 64 MiB: a signed 10,000-transfer pain.001 is ~10 MiB). */
  readonly bodyLimit?: number;
  /** Called with each request refused by the bank or failed, for the server's log. */
  readonly onProblem?: (problem: Problem, error: unknown) => void;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors?: readonly string[];
}

const JOSE = 'application/jose';
const DEFAULT_MESSAGES_LIMIT = 100;
const DEFAULT_HANG_MS = 30_000;

/**
 * The sandbox bank over HTTP, so the HTTP gateway is tested over a real socket:
 * `POST /iso20022/pain.001` (a compact JWS, `application/jose`) answers 202 with the signed pain.002 (200 for a
 * resend), `GET /iso20022/messages?after=&limit=` lists `{cursor, jws}`, `GET /.well-known/jwks.json` holds the
 * bank's public key, `POST /sandbox/end-of-day` publishes the statements, `POST /sandbox/faults` injects
 * faults, `GET /sandbox/balances`, `GET /health`. Refusals are problem+json with a stable `code`.
 */
export class SandboxBankServer {
  private constructor(
    private readonly app: FastifyInstance,
    private readonly faults: FaultInjector,
    readonly url: string,
  ) {}

  static async start(bank: SandboxBank, options: SandboxBankServerOptions = {}): Promise<SandboxBankServer> {
    const app = Fastify({
      logger: false,
      bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024,
      forceCloseConnections: true,
    });
    // The pain.001 route checks the media type itself, to answer 415 as problem+json.
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    const faults = new FaultInjector();
    const sendProblem = (reply: FastifyReply, error: unknown) => {
      const problem = problemOf(error);
      options.onProblem?.(problem, error);
      return reply.code(problem.status).type('application/problem+json').send(problem);
    };
    app.setErrorHandler((error, _request, reply) => sendProblem(reply, error));
    app.setNotFoundHandler((request, reply) =>
      sendProblem(
        reply,
        new SandboxBankRefusal(404, 'BANK.NOT_FOUND', `no route ${request.method} ${request.url}`),
      ),
    );

    app.post('/iso20022/pain.001', async (request, reply) => {
      const body = typeof request.body === 'string' ? request.body.trim() : '';
      if (!isMediaType(request, JOSE)) {
        throw new SandboxBankRefusal(
          415,
          'BANK.UNSUPPORTED_MEDIA_TYPE',
          `send the signed pain.001 as ${JOSE} (a compact JWS)`,
        );
      }
      const fault = faults.take('submit');
      const result = fault?.afterProcessing ? await bank.submit(body) : undefined;
      if (fault !== undefined) return faults.play(fault, reply);
      const { ack, replayed } = result ?? (await bank.submit(body));
      return reply
        .code(replayed ? 200 : 202)
        .type(JOSE)
        .send(ack);
    });

    app.get('/iso20022/messages', async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const limit = query.limit === undefined ? DEFAULT_MESSAGES_LIMIT : Number(query.limit);
      if (query.limit !== undefined && !/^\d+$/.test(query.limit)) {
        throw new SandboxBankRefusal(400, 'BANK.INVALID_LIMIT', 'limit must be a whole number');
      }
      const fault = faults.take('messages');
      const messages = fault?.afterProcessing ? await bank.fetchMessages(query.after, limit) : undefined;
      if (fault !== undefined) return faults.play(fault, reply);
      return reply.send(messages ?? (await bank.fetchMessages(query.after, limit)));
    });

    app.get('/.well-known/jwks.json', async () => ({ keys: [bank.publicJwk()] }));

    app.post('/sandbox/end-of-day', async (request) => {
      const body = (request.body ?? {}) as { date?: unknown };
      if (typeof body !== 'object' || (body.date !== undefined && typeof body.date !== 'string')) {
        throw new SandboxBankRefusal(400, 'BANK.INVALID_DATE', 'send {"date": "YYYY-MM-DD"} or nothing');
      }
      return bank.closeDay(body.date);
    });

    app.post('/sandbox/faults', async (request, reply) => {
      faults.inject(parseFault(request.body));
      return reply.code(204).send();
    });
    app.delete('/sandbox/faults', async (_request, reply) => {
      faults.clear();
      return reply.code(204).send();
    });

    app.get('/sandbox/balances', async () => bank.balances());

    app.get('/health', async (_request, reply) => {
      const health = bank.health();
      return reply.code(health.up ? 200 : 503).send({ status: health.up ? 'up' : 'down', ...health });
    });

    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    const host = options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
    return new SandboxBankServer(app, faults, `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  }

  /** Plays `fault` on the next `count` matching requests (after those already queued). */
  injectFault(fault: SandboxFault): void {
    this.faults.inject(parseFault(fault));
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Stops listening; requests held by a `hang` are let go (answered 503) first. */
  async close(): Promise<void> {
    this.faults.releaseHanging();
    await this.app.close();
  }
}

/** The faults still to play, and the requests a `hang` holds. */
class FaultInjector {
  private readonly planned: (SandboxFault & { remaining: number })[] = [];
  private readonly hanging = new Set<() => void>();

  inject(fault: SandboxFault): void {
    this.planned.push({ ...fault, remaining: fault.count });
  }

  clear(): void {
    this.planned.length = 0;
  }

  releaseHanging(): void {
    for (const release of [...this.hanging]) release();
  }

  take(target: 'submit' | 'messages'): SandboxFault | undefined {
    const index = this.planned.findIndex((fault) => (fault.target ?? 'submit') === target);
    if (index < 0) return undefined;
    const fault = this.planned[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.planned.splice(index, 1);
    return fault;
  }

  async play(fault: SandboxFault, reply: FastifyReply): Promise<FastifyReply> {
    if (fault.mode === 'hang') {
      await new Promise<void>((resolve) => {
        const release = () => {
          clearTimeout(timer);
          this.hanging.delete(release);
          resolve();
        };
        const timer = setTimeout(release, fault.hangMs ?? DEFAULT_HANG_MS);
        this.hanging.add(release);
      });
    }
    const problem = problemOf(
      new SandboxBankRefusal(503, 'BANK.INJECTED_FAULT', `fault injected for tests: ${fault.mode}`),
    );
    return reply.code(503).type('application/problem+json').send(problem);
  }
}

function parseFault(value: unknown): SandboxFault {
  const fault = (value ?? {}) as Partial<SandboxFault>;
  const valid =
    (fault.mode === 'unavailable' || fault.mode === 'hang') &&
    Number.isSafeInteger(fault.count) &&
    (fault.count as number) > 0 &&
    (fault.target === undefined || fault.target === 'submit' || fault.target === 'messages') &&
    (fault.afterProcessing === undefined || typeof fault.afterProcessing === 'boolean') &&
    (fault.hangMs === undefined || (Number.isSafeInteger(fault.hangMs) && fault.hangMs >= 0));
  if (!valid) {
    throw new SandboxBankRefusal(
      400,
      'BANK.INVALID_FAULT',
      'a fault is {"mode": "unavailable"|"hang", "count": n ≥ 1, "target"?: "submit"|"messages", ' +
        '"afterProcessing"?: boolean, "hangMs"?: n}',
    );
  }
  return fault as SandboxFault;
}

function isMediaType(request: FastifyRequest, expected: string): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && type.split(';')[0].trim().toLowerCase() === expected;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problemOf(error: unknown): Problem {
  const make = (status: number, code: string, detail: string, errors: readonly string[] = []): Problem => ({
    type: `https://ledger.invalid/problems/${code.toLowerCase().replace(/[._]/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...(errors.length > 0 ? { errors: errors.slice(0, 20) } : {}),
  });
  if (error instanceof SandboxBankRefusal) return make(error.status, error.code, error.message, error.errors);
  if (error instanceof SandboxBankFailure) return make(error.status, error.code, error.message);
  const fastify = error as Partial<FastifyError>;
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const code = fastify.statusCode === 413 ? 'BANK.PAYLOAD_TOO_LARGE' : 'BANK.BAD_REQUEST';
    return make(fastify.statusCode, code, fastify.message ?? 'bad request');
  }
  return make(500, 'BANK.INTERNAL_ERROR', 'the sandbox bank failed; see its log');
}
