import { JobsModule as SharedJobsModule } from '@app/jobs';
import { Module } from '@nestjs/common';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

@Module({
  imports: [SharedJobsModule],
  controllers: [JobsController],
  providers: [JobsService],
})
export class JobsModule {}
