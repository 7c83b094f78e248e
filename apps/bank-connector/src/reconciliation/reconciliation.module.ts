import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AuthModule, EventStoreModule, ReadStoreModule } from '@ledger/infra';
import { ReconcileStatementHttpController } from './reconcile-statement/reconcile-statement.http.controller';
import { RECONCILIATION_CONFIG, reconciliationConfigFromEnv } from './reconciliation.config';
import { ReconciliationLedgerReader } from './reconciliation-ledger.reader';
import { ReconciliationService } from './reconciliation.service';
import { registerXmlBodyParser } from './xml-body.parser';

/**
 * Bank statement reconciliation: `POST /reconciliation/statements` and `ReconciliationService` (what the
 * bank feed calls with the bank's end-of-day camt.053). It uses the process's one event store and read
 * store (both global modules, imported here so the module stands alone; Nest keeps one instance of each);
 * the read store must be the one the projector writes the `payments` and `reconciliation` read models into.
 */
@Module({
  imports: [EventStoreModule, ReadStoreModule, AuthModule],
  controllers: [ReconcileStatementHttpController],
  providers: [
    ReconciliationService,
    ReconciliationLedgerReader,
    { provide: RECONCILIATION_CONFIG, useFactory: () => reconciliationConfigFromEnv(process.env) },
  ],
  exports: [ReconciliationService],
})
export class ReconciliationModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // No HTTP adapter when the module runs without a server (a test module, a worker): nothing to parse then.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify !== undefined) registerXmlBodyParser(fastify);
  }
}
