import { Module } from '@nestjs/common';
import { EventStoreModule } from '@ledger/infra';

/** The write side: HTTP commands for internal services (claims, approvals, dispatch). */
@Module({
  imports: [EventStoreModule],
})
export class CommandApiModule {}
