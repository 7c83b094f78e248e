import { Controller, Get, Query } from '@nestjs/common';
import { RequireRoles } from '@ledger/infra';
import { ConnectorState } from '../state/connector-state';

/** What the connector refused from the bank (bad signature, malformed, unknown end-to-end id), newest first. */
@Controller('bank/parked-messages')
export class ParkedBankMessagesHttpController {
  constructor(private readonly state: ConnectorState) {}

  @Get()
  @RequireRoles('treasurer', 'admin', 'auditor')
  async list(@Query('limit') limit?: string) {
    const size = Math.min(Math.max(Number(limit ?? 100) || 100, 1), 1000);
    return { items: await this.state.parked(size) };
  }
}
