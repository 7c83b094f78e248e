import 'reflect-metadata';
import { bootstrapHttpApp } from '@ledger/infra';
import { LedgerModule } from './ledger.module';

void bootstrapHttpApp(LedgerModule, { service: 'ledger' });
