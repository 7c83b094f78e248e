import { Controller, Get, Query } from '@nestjs/common';
import {
  FieldCondition,
  RECONCILIATION,
  RECONCILIATION_ACCOUNTS,
  RECONCILIATION_KINDS,
  RECONCILIATION_STATUSES,
  reconciliationProjection,
} from '@ledger/projections';
import { RequireRoles } from '@ledger/infra';
import {
  invalid,
  parseCursor,
  parseEnum,
  parseInstant,
  parseLimit,
  parsePosition,
  parseSort,
  parseText,
} from './query-params';
import { ReadModelsService } from './read-models.service';

const PROJECTION = reconciliationProjection.name;
const ACCOUNT = /^(iban:[A-Z0-9]{1,34}|acct:[A-Z0-9-]{1,35}:[A-Z0-9-]{1,34})$/;
const CURRENCY = /^[A-Z]{3}$/;

/** Bank statement reconciliation: what each statement line and balance came to, and a summary per account. */
@Controller('reconciliation')
@RequireRoles('finance', 'cfo', 'auditor', 'admin', 'treasurer')
export class ReconciliationHttpController {
  constructor(private readonly readModels: ReadModelsService) {}

  /**
   * `?status=matched|unmatched|exception&kind=...&account=iban:...&currency=EUR&statementId=...&paymentId=...
   * &from=2026-11-01&to=2026-11-30` (on the item's date: booking date, settlement date of a missing payment,
   * period end of a balance comparison), `sort` by `date` (default `-date`), `recordedAt` or `statementId`.
   */
  @Get()
  async list(@Query() query: Record<string, string | undefined>) {
    const where: Record<string, FieldCondition> = {};
    const status = parseEnum(query.status, RECONCILIATION_STATUSES, 'status');
    const kind = parseEnum(query.kind, RECONCILIATION_KINDS, 'kind');
    const account = parseText(query.account, 'account', ACCOUNT);
    const currency = parseText(query.currency, 'currency', CURRENCY);
    const statementId = parseText(query.statementId, 'statementId', /^[\x20-\x7e]{1,140}$/);
    const paymentId = parseText(query.paymentId, 'paymentId', /^[A-Za-z0-9._:-]{1,128}$/);
    const from = dateParam(query.from, 'from');
    const to = dateParam(query.to, 'to');
    if (from && to && from > to) throw invalid('from must not be after to', 'from');
    if (status) where.status = status;
    if (kind) where.kind = kind;
    if (account) where.accountLabel = account;
    if (currency) where.currency = currency;
    if (statementId) where.statementId = statementId;
    if (paymentId) where.paymentId = paymentId;
    if (from || to) where.date = { ...(from ? { gte: from } : {}), ...(to ? { lte: to } : {}) };
    return this.readModels.page(
      PROJECTION,
      RECONCILIATION,
      {
        where,
        sort: parseSort(query.sort, ['date', 'recordedAt', 'statementId'], {
          field: 'date',
          direction: 'desc',
        }),
        limit: parseLimit(query.limit),
        after: parseCursor(query.cursor),
      },
      parsePosition(query.minPosition, 'minPosition'),
    );
  }

  /**
   * One summary per account and currency: counts and amounts per status, the last statement and the last
   * balance comparison. `?account=&currency=`, paged like every list.
   */
  @Get('summary')
  async summary(@Query() query: Record<string, string | undefined>) {
    const where: Record<string, FieldCondition> = {};
    const account = parseText(query.account, 'account', ACCOUNT);
    const currency = parseText(query.currency, 'currency', CURRENCY);
    if (account) where.accountLabel = account;
    if (currency) where.currency = currency;
    return this.readModels.page(
      PROJECTION,
      RECONCILIATION_ACCOUNTS,
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

/** A calendar date `YYYY-MM-DD` (item dates are dates, not instants). */
function dateParam(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw invalid(`${field} must be a date such as 2026-11-01`, field);
  parseInstant(value, field);
  return value;
}
