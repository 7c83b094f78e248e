import { Module } from '@nestjs/common';
import { EventStoreModule } from '@ledger/infra';
import { ProjectorService } from './projector.service';

/** The read side: projections of the log into read models, and the query API over them. */
@Module({
  imports: [EventStoreModule],
  providers: [ProjectorService],
})
export class ProjectorModule {}
