import { APP_CONFIG } from '@app/config';
import { Module } from '@nestjs/common';
import type { FreeProviderConfig } from '../free-provider.config';
import { FreeQuota } from './free-quota';
import { QuotaController } from './quota.controller';
import { QuotaGate } from './quota-gate';

@Module({
  controllers: [QuotaController],
  providers: [
    {
      provide: FreeQuota,
      inject: [APP_CONFIG],
      useFactory: (config: FreeProviderConfig) =>
        new FreeQuota({
          limit: config.FREE_QUOTA_LIMIT,
          windowMs: config.FREE_QUOTA_WINDOW_MS,
          blockMs: config.FREE_BLOCK_MS,
        }),
    },
    QuotaGate,
  ],
})
export class QuotaModule {}
