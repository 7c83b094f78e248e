import 'reflect-metadata';
import { bootstrapHttpApp } from '@ledger/infra';
import { connectBankReceipts } from '../../command-api/src/bank-receipts/bank-receipts.controller';
import { LedgerModule } from './ledger.module';

void bootstrapHttpApp(LedgerModule, { service: 'ledger', connectMicroservices: connectBankReceipts });
