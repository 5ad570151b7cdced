import { ConfigModule } from '@app/config';
import { HealthModule } from '@app/http';
import { MetricsModule } from '@app/metrics';
import { type DynamicModule, Module } from '@nestjs/common';
import { JobsModule } from './jobs/jobs.module';
import type { PaidProviderConfig } from './paid-provider.config';
import { UsageModule } from './usage/usage.module';

@Module({})
export class PaidProviderModule {
  static register(config: PaidProviderConfig): DynamicModule {
    return {
      module: PaidProviderModule,
      imports: [ConfigModule.forRoot(config), HealthModule, MetricsModule, UsageModule, JobsModule],
    };
  }
}
