import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module';
import { GatewayMetrics } from './gateway-metrics.service';

/** Routing and free-quota metrics on the app's /metrics (the Registry comes from MetricsModule). */
@Module({
  imports: [RoutingModule],
  providers: [GatewayMetrics],
  exports: [GatewayMetrics],
})
export class GatewayMetricsModule {}
