import { APP_CONFIG } from '@app/config';
import { REDIS, RedisKeyspace } from '@app/redis';
import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { CouponsController } from './coupons/coupons.controller';
import type { GatewayConfig } from './gateway.config';
import { MessagesController } from './messages/messages.controller';
import { QrController } from './qr/qr.controller';
import { QuotaController } from './quota/quota.controller';
import { RedisThrottlerStorage } from './rate-limit/redis-throttler-storage';
import { UserRateLimitGuard } from './rate-limit/user-rate-limit.guard';
import { RoutingModule } from './routing/routing.module';

/** The public synchronous job API, rate limited per user. */
@Module({
  imports: [
    RoutingModule,
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS, RedisKeyspace],
      useFactory: (config: GatewayConfig, redis: Redis, keys: RedisKeyspace) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.USER_RATE_LIMIT_PER_MIN }],
        storage: new RedisThrottlerStorage(redis, keys),
      }),
    }),
  ],
  controllers: [MessagesController, CouponsController, QrController, QuotaController],
  providers: [UserRateLimitGuard],
  exports: [ThrottlerModule, UserRateLimitGuard],
})
export class JobApiModule {}
