import { Module } from '@nestjs/common';
import { AuthModule, EventStoreModule, ReadStoreModule } from '@ledger/infra';
import { AuditHttpController } from './audit/audit.http.controller';
import { ProjectorService } from './projector.service';
import { ApprovalsHttpController } from './query/approvals.http.controller';
import { AsOfBalancesService } from './query/as-of-balances.service';
import { BalancesHttpController } from './query/balances.http.controller';
import { PaymentsHttpController } from './query/payments.http.controller';
import { PROJECTION_PROGRESS } from './query/projection-progress';
import { ReadModelsService } from './query/read-models.service';
import { ReconciliationHttpController } from './query/reconciliation.http.controller';
import { RiskHttpController } from './query/risk.http.controller';

/** The read side: projections of the log into read models, the query API over them, and the audit trail. */
@Module({
  imports: [EventStoreModule, ReadStoreModule, AuthModule],
  controllers: [
    BalancesHttpController,
    ApprovalsHttpController,
    PaymentsHttpController,
    RiskHttpController,
    AuditHttpController,
    ReconciliationHttpController,
  ],
  providers: [
    ProjectorService,
    { provide: PROJECTION_PROGRESS, useExisting: ProjectorService },
    ReadModelsService,
    AsOfBalancesService,
  ],
})
export class ProjectorModule {}
