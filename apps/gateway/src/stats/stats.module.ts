import { Module } from '@nestjs/common';
import { StatsConsumer } from './stats-consumer';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

/** Counts the lifecycle event stream into Redis; runs in every gateway process (all modes). */
@Module({
  providers: [StatsConsumer, StatsService],
  exports: [StatsService],
})
export class StatsModule {}

/** `GET /stats`; not on worker-only replicas, which serve nothing public. */
@Module({
  imports: [StatsModule],
  controllers: [StatsController],
})
export class StatsApiModule {}
