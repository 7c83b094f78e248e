import { Module } from '@nestjs/common';
import { BankConnectorModule } from '../../bank-connector/src/bank-connector.module';
import { CommandApiModule } from '../../command-api/src/command-api.module';
import { ProjectorModule } from '../../projector/src/projector.module';

/** The embedded default: the three apps in one process, sharing one embedded event store. */
@Module({
  imports: [CommandApiModule, ProjectorModule, BankConnectorModule],
})
export class LedgerModule {}
