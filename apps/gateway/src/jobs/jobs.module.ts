import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { RoutingModule } from '../routing/routing.module';
import { CallbackWorker } from './callback-worker';
import { JobProcessor } from './job-processor';
import { JobMetrics } from './job-metrics';
import { JobQueues } from './job-queue';
import { JobStore } from './job-store';
import { JobWorker } from './job-worker';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** Job records and queues: shared by the HTTP side and the workers. */
@Module({
  imports: [RoutingModule, EventsModule],
  providers: [JobStore, JobQueues, JobMetrics],
  exports: [JobStore, JobQueues, RoutingModule, EventsModule],
})
export class JobsCoreModule {}

/** POST/GET/DELETE /jobs (GATEWAY_MODE all or api). */
@Module({
  imports: [JobsCoreModule],
  controllers: [JobsController],
  providers: [JobsService],
})
export class JobsApiModule {}

/** The workers (GATEWAY_MODE all or worker). */
@Module({
  imports: [JobsCoreModule],
  providers: [JobProcessor, JobWorker, CallbackWorker],
})
export class JobsWorkerModule {}
