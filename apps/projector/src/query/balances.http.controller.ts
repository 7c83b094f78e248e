import { Controller, Get, Param, Query } from '@nestjs/common';
import { FieldCondition } from '@ledger/projections';
import { BALANCES_ACCOUNTS, trialBalance } from '@ledger/projections';
import { ProblemError, RequireRoles } from '@ledger/infra';
import { AsOfBalancesService } from './as-of-balances.service';
import { parseCursor, parseInstant, parseLimit, parsePosition, parseSort, parseText } from './query-params';
import { ReadModelsService } from './read-models.service';

const PROJECTION = 'balances';
const SORTABLE = ['account', 'ledger', 'type'];

/** Double-entry balances, one ledger per currency. Finance, the CFO, auditors and admins. */
@Controller()
@RequireRoles('finance', 'cfo', 'auditor', 'admin')
export class BalancesHttpController {
  constructor(
    private readonly readModels: ReadModelsService,
    private readonly asOf: AsOfBalancesService,
  ) {}

  /**
   * `?ledger=EUR&accountPrefix=payable:&sort=-account&limit=50&cursor=...`; with `asOf=<ISO time>`,
   * the balances as they stood then, rebuilt from the log.
   */
  @Get('balances')
  async list(@Query() query: Record<string, string | undefined>) {
    const where: Record<string, FieldCondition> = {};
    const ledger = parseText(query.ledger, 'ledger', /^[A-Z]{3}$/);
    const prefix = parseText(query.accountPrefix, 'accountPrefix');
    if (ledger) where.ledger = ledger;
    if (prefix) where.account = { prefix };
    const asOf = parseInstant(query.asOf, 'asOf');
    const limit = parseLimit(query.limit);
    const sort = parseSort(query.sort, SORTABLE, { field: 'account', direction: 'asc' });
    const after = parseCursor(query.cursor);
    if (asOf) return this.asOf.page(asOf, { where, sort, limit, after });
    return this.readModels.page(
      PROJECTION,
      BALANCES_ACCOUNTS,
      { where, sort, limit, after },
      parsePosition(query.minPosition, 'minPosition'),
    );
  }

  /** One account in every ledger it appears in, e.g. `/balances/bank:iban:GB82WEST12345698765432`. */
  @Get('balances/:account')
  async account(@Param('account') account: string, @Query('minPosition') minPosition?: string) {
    parseText(account, 'account');
    const page = await this.readModels.page(
      PROJECTION,
      BALANCES_ACCOUNTS,
      { where: { account }, sort: { field: 'ledger', direction: 'asc' }, limit: 200 },
      parsePosition(minPosition, 'minPosition'),
    );
    if (page.items.length === 0)
      throw new ProblemError(404, 'ACCOUNT.NOT_FOUND', `no balances for account ${account}`);
    return page;
  }

  /** Σ debits and Σ credits of every ledger, pending and posted; `balanced` must always be true. */
  @Get('trial-balance')
  async trialBalance(@Query('minPosition') minPosition?: string) {
    const { items, position } = await this.readModels.all(
      PROJECTION,
      BALANCES_ACCOUNTS,
      {},
      parsePosition(minPosition, 'minPosition'),
    );
    return { ledgers: trialBalance(items), position };
  }
}
