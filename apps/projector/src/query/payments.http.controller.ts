import { Controller, Get, Param, Query } from '@nestjs/common';
import { FieldCondition } from '@ledger/projections';
import { PAYMENT_BATCHES, PAYMENT_STATUSES, PAYMENTS } from '@ledger/projections';
import { ProblemError, RequireRoles } from '@ledger/infra';
import {
  parseCursor,
  parseEnum,
  parseInstant,
  parseLimit,
  parsePosition,
  parseSort,
  parseText,
} from './query-params';
import { ReadModelsService } from './read-models.service';

const STATUSES = PAYMENT_STATUSES;

/** Payment status and timeline, per payment and per batch, with the bank's reason codes. */
@Controller()
@RequireRoles('finance', 'cfo', 'treasurer', 'auditor', 'admin')
export class PaymentsHttpController {
  constructor(private readonly readModels: ReadModelsService) {}

  /**
   * `?status=settled&from=2026-11-01&to=2026-11-30` (on the dispatch time), sorted by `dispatchedAt`;
   * `?batchId=` lists the payments whose current attempt went out in that batch (a batch's counts are at
   * `GET /payment-batches/{batchId}`).
   */
  @Get('payments')
  async list(@Query() query: Record<string, string | undefined>) {
    const where: Record<string, FieldCondition> = {};
    const status = parseEnum(query.status, STATUSES, 'status');
    const from = parseInstant(query.from, 'from');
    const to = parseInstant(query.to, 'to');
    if (from && to && from > to) throw new ProblemError(400, 'QUERY.INVALID', 'from must not be after to');
    const batchId = parseText(query.batchId, 'batchId', /^[A-Za-z0-9_.:-]{1,140}$/);
    if (status) where.status = status;
    if (batchId) where.batchId = batchId;
    if (from || to) where.dispatchedAt = { ...(from ? { gte: from } : {}), ...(to ? { lte: to } : {}) };
    return this.readModels.page(
      'payments',
      PAYMENTS,
      {
        where,
        sort: parseSort(query.sort, ['dispatchedAt', 'updatedAt', 'paymentId'], {
          field: 'dispatchedAt',
          direction: 'desc',
        }),
        limit: parseLimit(query.limit),
        after: parseCursor(query.cursor),
      },
      parsePosition(query.minPosition, 'minPosition'),
    );
  }

  @Get('payments/:paymentId')
  async one(@Param('paymentId') paymentId: string, @Query('minPosition') minPosition?: string) {
    const { document, position } = await this.readModels.get(
      'payments',
      PAYMENTS,
      paymentId,
      parsePosition(minPosition, 'minPosition'),
    );
    if (!document) throw new ProblemError(404, 'PAYMENT.NOT_FOUND', `payment ${paymentId} not found`);
    return { ...document, position };
  }

  @Get('payment-batches/:batchId')
  async batch(@Param('batchId') batchId: string, @Query('minPosition') minPosition?: string) {
    const { document, position } = await this.readModels.get(
      'payments',
      PAYMENT_BATCHES,
      batchId,
      parsePosition(minPosition, 'minPosition'),
    );
    if (!document) throw new ProblemError(404, 'BATCH.NOT_FOUND', `batch ${batchId} not found`);
    return { ...document, position };
  }
}
