// CoalescingRedis against a real Redis: the commands of one event-loop turn leave in one
// socket write, each keeps its own answer, and a frozen Redis fails each after one timeout.
import { createRedisClient } from '@app/redis';
import { deleteKeys, startPrivateRedis, testRedis, testRedisUrl, uniquePrefix } from '@app/testing';
import type { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIMEOUT_MS = 300;

/** Counts the batches the client's socket hands to the kernel (one syscall each). */
function countWrites(client: Redis): () => number {
  const socket = client.stream as Socket & {
    _write: (...args: unknown[]) => void;
    _writev: (...args: unknown[]) => void;
  };
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method].bind(socket);
    socket[method] = (...args: unknown[]) => {
      writes++;
      original(...args);
    };
  }
  return () => writes;
}

describe('CoalescingRedis (createRedisClient)', () => {
  const prefix = uniquePrefix('coalescing');
  const admin = testRedis();
  let client: Redis;

  beforeEach(async () => {
    client = createRedisClient(
      { REDIS_URL: testRedisUrl(), REDIS_COMMAND_TIMEOUT_MS: TIMEOUT_MS },
      'coalescing-test',
    );
    await new Promise((resolve) => client.once('ready', resolve));
  });

  afterEach(() => client.quit());

  afterAll(async () => {
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  it('sends the commands of one turn in one write and answers each in order', async () => {
    const writes = countWrites(client);
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.incrby(`${prefix}counter`, i + 1)),
    );
    // Each reply is the running total after its own command: order and answers kept.
    const expected = Array.from({ length: 50 }, (_, i) => ((i + 1) * (i + 2)) / 2);
    expect(replies).toEqual(expected);
    expect(writes()).toBe(1);
  });

  it('does not hold a command back: one awaited after another is written at once', async () => {
    const writes = countWrites(client);
    for (let i = 0; i < 5; i++) await client.set(`${prefix}k${i}`, String(i));
    expect(writes()).toBe(5);
    expect(await client.mget(...Array.from({ length: 5 }, (_, i) => `${prefix}k${i}`))).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
    ]);
  });

  it('fails every command of a frozen Redis after one command timeout, not a queue of them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'spillway-coalescing-'));
    const redis = await startPrivateRedis({ dataDir });
    const frozen = createRedisClient(
      { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: TIMEOUT_MS },
      'coalescing-frozen',
    );
    try {
      await new Promise((resolve) => frozen.once('ready', resolve));
      // SIGSTOP: the sockets stay open and nothing answers, what a hung Redis looks like.
      process.kill(redis.pid, 'SIGSTOP');
      const started = Date.now();
      const outcomes = await Promise.allSettled([
        frozen.get(`${prefix}a`),
        frozen.get(`${prefix}b`),
        frozen.get(`${prefix}c`),
      ]);
      const firstMs = Date.now() - started;
      const next = Date.now();
      const later = await frozen.get(`${prefix}d`).catch((error: unknown) => error);
      const secondMs = Date.now() - next;
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(later).toBeInstanceOf(Error);
      for (const ms of [firstMs, secondMs]) {
        expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
        expect(ms).toBeLessThan(TIMEOUT_MS + 400);
      }
    } finally {
      process.kill(redis.pid, 'SIGCONT');
      frozen.disconnect();
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
