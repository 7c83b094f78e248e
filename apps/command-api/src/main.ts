import 'reflect-metadata';
import { bootstrapHttpApp } from '@ledger/infra';
import { connectBankReceipts } from './bank-receipts/bank-receipts.controller';
import { CommandApiModule } from './command-api.module';

void bootstrapHttpApp(CommandApiModule, {
  service: 'command-api',
  connectMicroservices: connectBankReceipts,
});
