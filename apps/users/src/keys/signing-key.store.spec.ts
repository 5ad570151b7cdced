import { Logger } from '@nestjs/common';
import { parseConfig } from '@app/config';
import { RedisKeyspace } from '@app/redis';
import { deleteKeys, testRedis, uniquePrefix } from '@app/testing';
import type { Redis } from 'ioredis';
import { exportPKCS8, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { usersConfigSchema } from '../users.config';
import { SigningKeyStore } from './signing-key.store';

describe('SigningKeyStore (real Redis)', () => {
  let redis: Redis;
  const prefix = uniquePrefix('signing-keys');

  beforeAll(() => {
    Logger.overrideLogger(false);
    redis = testRedis();
  });

  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  function store(env: Record<string, string> = {}) {
    const config = parseConfig(usersConfigSchema, { JWT_ACCESS_TTL_S: '60', ...env });
    return new SigningKeyStore(redis, new RedisKeyspace(prefix), config);
  }

  it('lets replicas starting together agree on one generated key', async () => {
    const replicas = [store(), store(), store()];
    await Promise.all(replicas.map((replica) => replica.onModuleInit()));
    const kids = await Promise.all(replicas.map(async (r) => (await r.signingKey()).kid));
    expect(new Set(kids).size).toBe(1);
    const raw = await redis.get(`${prefix}jwt-keys:active`);
    expect(JSON.parse(raw!)).toMatchObject({ kid: kids[0] });
  });

  it('rotates to a new kid and publishes the old public key until its tokens expired', async () => {
    const a = store();
    const b = store();
    const before = await a.signingKey();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: before.kid })
      .setExpirationTime('1m')
      .sign(before.privateKey);

    const now = Date.now();
    const { kid, previousKid } = await a.rotate(now);
    expect(previousKid).toBe(before.kid);
    expect(kid).not.toBe(before.kid);
    // The other replica signs with the new key at once and still verifies old tokens.
    expect((await b.signingKey()).kid).toBe(kid);
    const published = (await b.publicKeys(now)).map((jwk) => jwk.kid);
    expect(published).toEqual([kid, before.kid]);
    const { payload } = await jwtVerify(token, (header) => b.verificationKey(header));
    expect(payload.exp).toBeDefined();
    for (const jwk of await b.publicKeys(now)) expect(jwk).not.toHaveProperty('d');

    // 60 s access TTL + 60 s skew later, the old key is gone.
    expect((await b.publicKeys(now + 121_000)).map((jwk) => jwk.kid)).toEqual([kid]);
  });

  it('signs with JWT_PRIVATE_KEY when given and refuses to rotate it', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const pinned = [store({ JWT_PRIVATE_KEY: pem }), store({ JWT_PRIVATE_KEY: pem })];
    await Promise.all(pinned.map((replica) => replica.onModuleInit()));
    const [first, second] = await Promise.all(pinned.map((replica) => replica.signingKey()));
    expect(first.kid).toBe(second.kid);
    await expect(pinned[0].rotate()).rejects.toMatchObject({ status: 409 });
  });

  it('refuses a JWT_PRIVATE_KEY that is not an ES256 PKCS#8 PEM, naming the variable', async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    for (const value of ['not a pem', await exportPKCS8(rsa.privateKey)]) {
      expect(() => parseConfig(usersConfigSchema, { JWT_PRIVATE_KEY: value })).toThrow(
        'Invalid environment: JWT_PRIVATE_KEY must be a PEM (PKCS#8) P-256 private key for ES256',
      );
    }
  });

  it('accepts a PEM whose line breaks are written as \\n', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const oneLine = (await exportPKCS8(privateKey)).replace(/\n/g, '\\n');
    const config = parseConfig(usersConfigSchema, { JWT_PRIVATE_KEY: oneLine });
    expect(config.JWT_PRIVATE_KEY).toContain('-----BEGIN PRIVATE KEY-----\n');
  });
});
