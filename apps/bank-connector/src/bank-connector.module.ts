import { Module } from '@nestjs/common';
import { EventStoreModule } from '@ledger/infra';

/** The bank-facing side: ISO 20022 dispatch, bank receipts, reconciliation. */
@Module({
  imports: [EventStoreModule],
})
export class BankConnectorModule {}
