import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { bootstrapHttpApp } from '@ledger/infra';
import { ReconciliationModule } from '../../../apps/bank-connector/src/reconciliation/reconciliation.module';
import { ProjectorModule } from '../../../apps/projector/src/projector.module';

/**
 * The read side and reconciliation in one process, as `npm start` hosts them once the bank connector
 * imports ReconciliationModule; without the rest of the bank connector, whose bank feed would reconcile
 * the sandbox bank's own statements in the middle of the test.
 */
@Module({ imports: [ProjectorModule, ReconciliationModule] })
class ReconciliationAppModule {}

void bootstrapHttpApp(ReconciliationAppModule, { service: 'reconciliation-e2e' });
