import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { HealthRegistry } from '@app/http';
import type { Redis } from 'ioredis';
import { createRedisClient, waitForReady, type RedisClientConfig } from './redis-client';
import { RedisKeyspace } from './redis-keyspace';

/** Injection token of the app's shared ioredis client. */
export const REDIS = Symbol('REDIS');

export interface RedisConfig extends RedisClientConfig {
  REDIS_KEY_PREFIX: string;
}

const STARTUP_WAIT_MS = 3000;

@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly health: HealthRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    this.health.register('redis', async () => {
      await this.redis.ping();
    });
    if (!(await waitForReady(this.redis, STARTUP_WAIT_MS))) {
      this.logger.warn('Redis is not reachable yet; starting degraded and reconnecting');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: RedisConfig) => createRedisClient(config, 'app'),
    },
    {
      provide: RedisKeyspace,
      inject: [APP_CONFIG],
      useFactory: (config: RedisConfig) => new RedisKeyspace(config.REDIS_KEY_PREFIX),
    },
    RedisLifecycle,
  ],
  exports: [REDIS, RedisKeyspace],
})
export class RedisModule {}
