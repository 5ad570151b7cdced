import type { Redis, RedisOptions } from 'ioredis';
import { CoalescingRedis } from './coalescing-redis';
import type { Logger } from 'pino';

export interface RedisClientConfig {
  REDIS_URL: string;
  REDIS_COMMAND_TIMEOUT_MS: number;
}

/**
 * A client that fails fast instead of queueing: with Redis down a command errors at once
 * (no offline queue) or after the command timeout (a hung socket), and reconnection keeps
 * trying in the background so the app recovers without a restart.
 */
export function createRedisClient(
  config: RedisClientConfig,
  name: string,
  logger?: Logger,
  overrides: Omit<RedisOptions, 'replyMapping'> = {},
): Redis {
  const client = new CoalescingRedis(config.REDIS_URL, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    // Not enableAutoPipelining: it ties each command's answer to its whole batch, so with a
    // frozen Redis one request waited out several command timeouts (caught by
    // test/gateway-redis-outage.e2e-spec.ts). CoalescingRedis saves the syscalls instead.
    ...overrides,
  });
  let lastWarning = 0;
  client.on('error', (error: Error) => {
    // A dead Redis emits an error per reconnect attempt; one line every 5 s is enough.
    const now = Date.now();
    if (now - lastWarning < 5000) return;
    lastWarning = now;
    logger?.warn({ redis: name, err: error.message }, 'redis connection error');
  });
  return client;
}

/** Resolves when the client is ready, or after `timeoutMs` with false (the app starts degraded). */
export function waitForReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}
