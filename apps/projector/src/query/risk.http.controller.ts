import { Controller, Get, Query } from '@nestjs/common';
import { FieldCondition } from '@ledger/projections';
import { RISK_ALERTS } from '@ledger/projections';
import { RequireRoles } from '@ledger/infra';
import { parseCursor, parseEnum, parseLimit, parsePosition } from './query-params';
import { ReadModelsService } from './read-models.service';

/**
 * Large-payment alerts, guarded invoices and settlements of cancelled payments
 * (`?kind=large_payment|duplicate_guard|settled_after_cancellation`).
 */
@Controller('risk')
@RequireRoles('finance', 'cfo', 'auditor', 'admin')
export class RiskHttpController {
  constructor(private readonly readModels: ReadModelsService) {}

  @Get('alerts')
  async alerts(@Query() query: Record<string, string | undefined>) {
    const where: Record<string, FieldCondition> = {};
    const kind = parseEnum(
      query.kind,
      ['large_payment', 'duplicate_guard', 'settled_after_cancellation'] as const,
      'kind',
    );
    if (kind) where.kind = kind;
    return this.readModels.page(
      'risk',
      RISK_ALERTS,
      {
        where,
        sort: { field: '_id', direction: 'asc' },
        limit: parseLimit(query.limit),
        after: parseCursor(query.cursor),
      },
      parsePosition(query.minPosition, 'minPosition'),
    );
  }
}
