import { APP_CONFIG } from '@app/config';
import { JobsModule } from '@app/jobs';
import { REDIS, RedisKeyspace } from '@app/redis';
import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { CouponStore } from '../coupons/coupon-store';
import { CouponsController } from '../coupons/coupons.controller';
import { CouponsService } from '../coupons/coupons.service';
import type { GatewayConfig } from '../gateway.config';
import { MessagesController } from '../messages/messages.controller';
import { FreeProviderClient, PaidProviderClient } from '../providers/provider-clients';
import { QrController } from '../qr/qr.controller';
import { FreeQuotaService } from '../quota/free-quota.service';
import { QuotaController } from '../quota/quota.controller';
import { RedisThrottlerStorage } from '../rate-limit/redis-throttler-storage';
import { UserRateLimitGuard } from '../rate-limit/user-rate-limit.guard';
import { JobRouter } from './job-router.service';
import { RouteEvents } from './route-events';

/** The synchronous job API: quota, routing, providers and the endpoints on top. */
@Module({
  imports: [
    JobsModule,
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS, RedisKeyspace],
      useFactory: (config: GatewayConfig, redis: Redis, keys: RedisKeyspace) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.USER_RATE_LIMIT_PER_MIN }],
        storage: new RedisThrottlerStorage(redis, keys),
      }),
    }),
  ],
  controllers: [MessagesController, CouponsController, QrController, QuotaController],
  providers: [
    FreeQuotaService,
    FreeProviderClient,
    PaidProviderClient,
    JobRouter,
    RouteEvents,
    CouponStore,
    CouponsService,
    UserRateLimitGuard,
  ],
  exports: [FreeQuotaService, JobRouter, RouteEvents, CouponStore],
})
export class RoutingModule {}
