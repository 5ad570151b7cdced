import { ConfigModule } from '@app/config';
import { HealthModule } from '@app/http';
import { MetricsModule } from '@app/metrics';
import { type DynamicModule, Module } from '@nestjs/common';
import type { FreeProviderConfig } from './free-provider.config';
import { JobsModule } from './jobs/jobs.module';
import { QuotaModule } from './quota/quota.module';

@Module({})
export class FreeProviderModule {
  static register(config: FreeProviderConfig): DynamicModule {
    return {
      module: FreeProviderModule,
      imports: [ConfigModule.forRoot(config), HealthModule, MetricsModule, QuotaModule, JobsModule],
    };
  }
}
