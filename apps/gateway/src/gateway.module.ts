import { AuthModule } from '@app/auth';
import { ConfigModule } from '@app/config';
import { HealthModule } from '@app/http';
import { MetricsModule } from '@app/metrics';
import { RedisModule } from '@app/redis';
import { type DynamicModule, Module } from '@nestjs/common';
import { AuthProxyModule } from './auth-proxy/auth-proxy.module';
import { CampaignsApiModule, CampaignStockModule } from './campaigns/campaigns.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { EventsModule } from './events/events.module';
import { JobApiModule } from './job-api.module';
import { JobsApiModule, JobsWorkerModule } from './jobs/jobs.module';
import { GatewayMetricsModule } from './metrics/gateway-metrics.module';
import { RoutingModule } from './routing/routing.module';
import { StatsApiModule, StatsModule } from './stats/stats.module';
import type { GatewayConfig } from './gateway.config';

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ConfigModule.forRoot(config),
        HealthModule,
        MetricsModule,
        RedisModule,
        AuthModule,
        RoutingModule,
        EventsModule,
        StatsModule,
        GatewayMetricsModule,
        // Worker-only replicas serve nothing public but /health.
        ...(config.GATEWAY_MODE === 'worker'
          ? []
          : [
              AuthProxyModule,
              JobApiModule,
              JobsApiModule,
              DashboardModule,
              StatsApiModule,
              CampaignsApiModule,
            ]),
        ...(config.GATEWAY_MODE === 'api' ? [] : [JobsWorkerModule, CampaignStockModule]),
      ],
    };
  }
}
