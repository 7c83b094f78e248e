import 'reflect-metadata';
import { bootstrapHttpApp } from '@ledger/infra';
import { BankConnectorModule } from './bank-connector.module';

void bootstrapHttpApp(BankConnectorModule, { service: 'bank-connector' });
