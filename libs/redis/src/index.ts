export { RedisModule, REDIS, type RedisConfig } from './redis.module';
export { RedisKeyspace } from './redis-keyspace';
export { createRedisClient, waitForReady, type RedisClientConfig } from './redis-client';
