import { JobsModule as SharedJobsModule } from '@app/jobs';
import { Module } from '@nestjs/common';
import { UsageModule } from '../usage/usage.module';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { ZeroCostDefault } from './zero-cost-default';

@Module({
  imports: [SharedJobsModule, UsageModule],
  controllers: [JobsController],
  providers: [JobsService, ZeroCostDefault],
})
export class JobsModule {}
