import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  LoggerService,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MoneyError, WrongExpectedVersionError } from '@ledger/events';
import { DomainError, DomainErrorKind } from '@ledger/domain';

/** An HTTP refusal with its stable `code`, rendered as RFC 9457 problem+json. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  [extra: string]: unknown;
}

const STATUS_OF_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
};
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Maps anything thrown while serving a request to a problem document. */
export function toProblem(error: unknown): { problem: Problem; unexpected: boolean } {
  const make = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}) => ({
    problem: {
      type: `https://ledger.invalid/problems/${code.toLowerCase().replace(/[._]/g, '-')}`,
      title: TITLES[status] ?? 'Error',
      status,
      code,
      detail,
      ...extra,
    },
    unexpected: status >= 500,
  });
  if (error instanceof ProblemError) return make(error.status, error.code, error.detail, error.extra);
  if (error instanceof DomainError) {
    return make(
      STATUS_OF_KIND[error.kind],
      error.code,
      error.message,
      error.details ? { details: error.details } : {},
    );
  }
  if (error instanceof MoneyError) return make(400, error.code, error.message);
  if ((error as { code?: unknown })?.code === 'READ_STORE.INVALID_QUERY') {
    return make(400, 'QUERY.INVALID', (error as Error).message);
  }
  if (error instanceof WrongExpectedVersionError) {
    return make(
      409,
      'CONCURRENCY.CONFLICT',
      'the resource changed while the command ran; read it again and retry',
    );
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return make(status, httpCode(status), error.message);
  }
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const code =
      fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'REQUEST.UNSUPPORTED_MEDIA_TYPE'
        : fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'REQUEST.TOO_LARGE'
          : fastify.statusCode === 400
            ? 'REQUEST.MALFORMED'
            : httpCode(fastify.statusCode);
    return make(fastify.statusCode, code, fastify.message ?? 'bad request');
  }
  return make(
    500,
    'INTERNAL',
    'an unexpected error occurred; nothing was changed by this request unless its events were appended',
  );
}

function httpCode(status: number): string {
  switch (status) {
    case 404:
      return 'ROUTE.NOT_FOUND';
    case 405:
      return 'ROUTE.METHOD_NOT_ALLOWED';
    case 413:
      return 'REQUEST.TOO_LARGE';
    case 415:
      return 'REQUEST.UNSUPPORTED_MEDIA_TYPE';
    default:
      return status >= 500 ? 'INTERNAL' : 'REQUEST.INVALID';
  }
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  error: unknown,
  logger: LoggerService,
): void {
  const { problem, unexpected } = toProblem(error);
  if (unexpected) logger.error(error instanceof Error ? error : new Error(String(error)), 'ProblemFilter');
  problem.instance = request.url;
  void reply.status(problem.status).header('content-type', 'application/problem+json').send(problem);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: LoggerService) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getResponse<FastifyReply>(), http.getRequest<FastifyRequest>(), error, this.logger);
  }
}

/** DTO validation: unknown fields refused, values converted per the DTO's types, errors listed by field. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors: ValidationError[]) => {
      const fields = flatten(errors);
      return new ProblemError(
        400,
        'REQUEST.INVALID',
        fields.map((f) => `${f.field}: ${f.message}`).join('; '),
        {
          errors: fields,
        },
      );
    },
  });
}

function flatten(errors: ValidationError[], prefix = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
