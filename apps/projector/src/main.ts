import 'reflect-metadata';
import { bootstrapHttpApp } from '@ledger/infra';
import { ProjectorModule } from './projector.module';

void bootstrapHttpApp(ProjectorModule, { service: 'projector' });
