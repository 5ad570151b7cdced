import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module';
import { StatsModule } from '../stats/stats.module';
import { DashboardPage } from './dashboard-page';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';

/** GET /dashboard: a live page for admins, fed by Server-Sent Events or polling. */
@Module({
  imports: [RoutingModule, StatsModule],
  controllers: [DashboardController],
  providers: [DashboardService, { provide: DashboardPage, useFactory: () => new DashboardPage() }],
})
export class DashboardModule {}
