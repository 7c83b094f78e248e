import { Controller, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isReconciliationError } from '@ledger/domain';
import { Iso20022Error, Iso20022ErrorCode } from '@ledger/iso20022';
import { AuthenticatedRequest, ProblemError, RequireRoles } from '@ledger/infra';
import {
  ReconciliationReadModelBehindError,
  ReconciliationResult,
  ReconciliationService,
} from '../reconciliation.service';
import { mediaTypeOf, XML_MEDIA_TYPES } from '../xml-body.parser';

/** Malformed XML is a bad request; a well-formed message that is not a usable camt.053 cannot be processed. */
const ISO20022_STATUS: Partial<Record<Iso20022ErrorCode, number>> = {
  'ISO20022.MALFORMED_XML': 400,
};
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * `POST /reconciliation/statements` with a camt.053 (.001.08 or .001.02) as `application/xml`: reconciles
 * each statement in it. 201 when something was reconciled now, 200 when every statement was already (the
 * first answer again). A refused message appends nothing.
 */
@Controller('reconciliation')
@RequireRoles('treasurer', 'finance', 'admin')
export class ReconcileStatementHttpController {
  constructor(private readonly reconciliation: ReconciliationService) {}

  @Post('statements')
  async post(
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReconciliationResult> {
    const mediaType = mediaTypeOf(request.headers['content-type']);
    if (!(XML_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
      throw new ProblemError(
        415,
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        'send the camt.053 statement as application/xml',
      );
    }
    const xml = request.body;
    if (typeof xml !== 'string' || xml.trim() === '') {
      throw new ProblemError(400, 'ISO20022.MALFORMED_XML', 'the request has no XML document');
    }
    const correlation = request.headers['x-correlation-id'];
    let result: ReconciliationResult;
    try {
      result = await this.reconciliation.reconcileXml(xml, {
        via: 'upload',
        actor: request.actor,
        ...(typeof correlation === 'string' && CORRELATION_ID.test(correlation)
          ? { correlationId: correlation }
          : {}),
      });
    } catch (error) {
      throw asProblem(error);
    }
    void reply.status(result.created ? 201 : 200);
    return result;
  }
}

function asProblem(error: unknown): unknown {
  if (error instanceof Iso20022Error) {
    return new ProblemError(ISO20022_STATUS[error.code] ?? 422, error.code, error.message, {
      ...(error.details.errors !== undefined ? { errors: error.details.errors.slice(0, 20) } : {}),
      ...(error.details.field !== undefined ? { field: error.details.field } : {}),
    });
  }
  if (isReconciliationError(error)) {
    return new ProblemError(error.status, error.code, error.message, { details: error.details });
  }
  if (error instanceof ReconciliationReadModelBehindError) {
    return new ProblemError(503, error.code, error.message, {
      position: error.reached.toString(),
      minPosition: error.needed.toString(),
    });
  }
  return error;
}
