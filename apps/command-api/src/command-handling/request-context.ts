import { randomUUID } from 'node:crypto';
import { AuthenticatedRequest, ProblemError } from '@ledger/infra';
import { CommandContext } from './command-context';
import { commandIdFor, requestHashOf } from './command-identity';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Builds the command's context from the HTTP request: the verified actor, the time of the request,
 * the idempotency key (`Idempotency-Key`, or a client-chosen id the route names), the correlation id
 * (`X-Correlation-Id`, else the command id) and `If-Match`.
 */
export function commandContext(
  request: AuthenticatedRequest,
  body: unknown,
  options: { fallbackIdempotencyKey?: string } = {},
): CommandContext {
  const header = request.headers['idempotency-key'];
  if (header !== undefined && (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header))) {
    throw new ProblemError(
      400,
      'IDEMPOTENCY.KEY_INVALID',
      'Idempotency-Key must be 1 to 200 visible ASCII characters',
    );
  }
  const idempotencyKey = header ?? options.fallbackIdempotencyKey;
  const commandId = commandIdFor(request.actor.subject, idempotencyKey);
  const correlation = request.headers['x-correlation-id'];
  const correlationId =
    typeof correlation === 'string' && CORRELATION_ID.test(correlation) ? correlation : commandId;
  return {
    metadata: { actor: request.actor, now: new Date().toISOString(), commandId },
    correlationId,
    idempotencyKey,
    requestHash: requestHashOf(
      `${request.method} ${request.routeOptions.url ?? request.url}:${request.url}`,
      body,
    ),
    ifMatch: parseIfMatch(request.headers['if-match']),
  };
}

function parseIfMatch(value: string | string[] | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  const match = typeof value === 'string' ? /^(?:W\/)?"?(-1|\d{1,18})"?$/.exec(value.trim()) : null;
  if (!match)
    throw new ProblemError(400, 'PRECONDITION.INVALID', 'If-Match must be a revision ETag such as "3"');
  return BigInt(match[1]);
}

export function newId(): string {
  return randomUUID();
}
