import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';

/** The Redis found or started by the e2e global setup. */
export function testRedisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A key prefix of its own per test file, so runs never see each other's data. */
export function uniquePrefix(label: string): string {
  return `spillway-test:${label}:${randomBytes(4).toString('hex')}:`;
}

export function testRedis(url = testRedisUrl()): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 });
}

/** Deletes every key under a test prefix. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** A redis-server of a test's own, to stop, freeze or restart without touching the shared one. */
export interface PrivateRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts one with the helper `npm start` uses (scripts/redis.cjs), on `port` or a free one. */
export function startPrivateRedis(options: {
  dataDir: string;
  port?: number;
}): Promise<PrivateRedis> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startRedisServer } = require(resolve(__dirname, '../../../scripts/redis.cjs')) as {
    startRedisServer(options: { dataDir: string; port?: number }): Promise<PrivateRedis>;
  };
  return startRedisServer(options);
}
