import { parseConfig } from '@app/config';
import { RedisKeyspace } from '@app/redis';
import { deleteKeys, testRedis, uniquePrefix } from '@app/testing';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { usersConfigSchema } from '../users.config';
import { RefreshTokenStore } from './refresh-token.store';

describe('RefreshTokenStore (real Redis)', () => {
  let redis: Redis;
  let tokens: RefreshTokenStore;
  const prefix = uniquePrefix('refresh');

  beforeAll(() => {
    redis = testRedis();
    const config = parseConfig(usersConfigSchema, { JWT_REFRESH_TTL_S: '3600' });
    tokens = new RefreshTokenStore(redis, new RedisKeyspace(prefix), config);
  });

  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('rotates on every use and never stores a token in clear', async () => {
    const first = await tokens.startFamily('user-1');
    expect(first.expiresIn).toBe(3600);
    const second = await tokens.rotate(first.token);
    expect(second).toMatchObject({ outcome: 'rotated', userId: 'user-1' });
    if (second.outcome !== 'rotated') throw new Error('not rotated');
    expect(second.next.token).not.toBe(first.token);
    expect(second.next.expiresIn).toBeGreaterThan(3590);
    const third = await tokens.rotate(second.next.token);
    expect(third.outcome).toBe('rotated');

    const stored = await dump();
    expect(stored).not.toContain(first.token.split('.')[1]);
    expect(stored).not.toContain(second.next.token.split('.')[1]);
    expect(stored).toContain(createHash('sha256').update(first.token).digest('base64url'));
  });

  it('revokes the whole family when a rotated token is used again', async () => {
    const first = await tokens.startFamily('user-2');
    const second = await tokens.rotate(first.token);
    if (second.outcome !== 'rotated') throw new Error('not rotated');
    await expect(tokens.rotate(first.token)).resolves.toEqual({ outcome: 'reused' });
    // The thief's replay also killed the legitimate holder's current token.
    await expect(tokens.rotate(second.next.token)).resolves.toEqual({ outcome: 'invalid' });
  });

  it('lets only one of two concurrent uses of one token win', async () => {
    const first = await tokens.startFamily('user-3');
    const results = await Promise.all([tokens.rotate(first.token), tokens.rotate(first.token)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['reused', 'rotated']);
  });

  it('refuses made-up tokens without touching real families', async () => {
    const real = await tokens.startFamily('user-4');
    const familyId = real.token.split('.')[0];
    await expect(tokens.rotate('garbage')).resolves.toEqual({ outcome: 'invalid' });
    await expect(tokens.rotate(`${familyId}.forged-secret`)).resolves.toEqual({
      outcome: 'invalid',
    });
    await expect(tokens.rotate(real.token)).resolves.toMatchObject({ outcome: 'rotated' });
  });

  it('revokes a family on logout', async () => {
    const first = await tokens.startFamily('user-5');
    await expect(tokens.revoke(first.token)).resolves.toBe(true);
    await expect(tokens.rotate(first.token)).resolves.toEqual({ outcome: 'invalid' });
    await expect(tokens.revoke(first.token)).resolves.toBe(false);
  });

  it('expires a family with its lifetime', async () => {
    const first = await tokens.startFamily('user-6');
    const ttl = await redis.ttl(`${prefix}refresh-family:${first.token.split('.')[0]}`);
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  async function dump(): Promise<string> {
    const keys = await redis.keys(`${prefix}*`);
    const values = await Promise.all(
      keys.map(async (key) =>
        (await redis.type(key)) === 'hash'
          ? JSON.stringify(await redis.hgetall(key))
          : JSON.stringify(await redis.smembers(key)),
      ),
    );
    return keys.join(' ') + values.join(' ');
  }
});
