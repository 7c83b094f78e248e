import 'reflect-metadata';
import { bootstrapHttpApp } from '@ledger/infra';
import { CommandApiModule } from './command-api.module';

void bootstrapHttpApp(CommandApiModule, { service: 'command-api' });
