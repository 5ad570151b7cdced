import { randomBytes } from 'node:crypto';
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
