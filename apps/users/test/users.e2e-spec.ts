import {
  deleteKeys,
  startApp,
  stopAll,
  testRedis,
  uniquePrefix,
  type AppProcess,
} from '@app/testing';
import type { Redis } from 'ioredis';
import {
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
} from 'jose';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

interface TokenBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  user: { id: string; email: string; plan: string; role: string };
}

const ADMIN = { email: 'root@spillway.test', password: 'admin-password-1' };

/** Every secret the test handles, to prove none of them reaches a log line. */
const secrets = new Set<string>();

function remember(...values: Array<string | undefined>) {
  for (const value of values) if (value) secrets.add(value);
}

async function call(
  app: AppProcess,
  method: string,
  path: string,
  options: {
    body?: unknown;
    token?: string;
    cookie?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  const cookies = res.headers.getSetCookie();
  for (const cookie of cookies) remember(/^[^=]+=([^;]*)/.exec(cookie)?.[1]);
  return { res, body, cookies };
}

function cookieValue(cookies: string[], name: string): string | undefined {
  const found = cookies.find((cookie) => cookie.startsWith(`${name}=`));
  return found ? /^[^=]+=([^;]*)/.exec(found)?.[1] : undefined;
}

describe('users service (real processes, real Redis)', () => {
  const prefix = uniquePrefix('users');
  let redis: Redis;
  let users: AppProcess;
  let replica: AppProcess;
  let email = 0;
  const nextEmail = () => `user${(email += 1)}-${Date.now()}@example.com`;

  beforeAll(async () => {
    redis = testRedis();
    const env = {
      REDIS_KEY_PREFIX: prefix,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_MAX_FAILURES_PER_EMAIL: 3,
      LOGIN_MAX_FAILURES_PER_IP: 6,
    };
    remember(ADMIN.password);
    // Two replicas start together: they must agree on one generated key and one admin.
    [users, replica] = await Promise.all([
      startApp('users', { env }),
      startApp('users', { env: { ...env, COOKIE_SECURE: 'true' } }),
    ]);
  });

  afterAll(async () => {
    await stopAll([users, replica]);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  async function register(app = users, password = 'correct-horse-1') {
    const address = nextEmail();
    remember(password);
    const { res, body } = await call(app, 'POST', '/auth/register', {
      body: { email: address, password },
    });
    expect(res.status).toBe(201);
    return { email: address, password, id: (body as { id: string }).id };
  }

  async function login(app: AppProcess, credentials: { email: string; password: string }) {
    const result = await call(app, 'POST', '/auth/login', {
      body: { email: credentials.email, password: credentials.password },
    });
    expect(result.res.status).toBe(200);
    const body = result.body as unknown as TokenBody;
    remember(body.accessToken);
    return { ...body, cookies: result.cookies };
  }

  describe('register', () => {
    it('creates a free user and refuses the same email in another case (409)', async () => {
      const address = nextEmail();
      const { res, body } = await call(users, 'POST', '/auth/register', {
        body: { email: address, password: 'correct-horse-1' },
      });
      expect(res.status).toBe(201);
      expect(body).toEqual({
        id: expect.any(String) as unknown,
        email: address,
        plan: 'free',
        role: 'user',
      });
      const again = await call(users, 'POST', '/auth/register', {
        body: { email: `  ${address.toUpperCase()}`.trim(), password: 'another-pass-1' },
      });
      expect(again.res.status).toBe(409);
      expect(again.res.headers.get('content-type')).toContain('application/problem+json');
      const upper = await call(users, 'POST', '/auth/login', {
        body: { email: address.toUpperCase(), password: 'correct-horse-1' },
      });
      expect(upper.res.status).toBe(200);
      remember((upper.body as unknown as TokenBody).accessToken);
    });

    it('lets exactly one of many concurrent registrations of one email win', async () => {
      const address = nextEmail();
      const results = await Promise.all(
        [users, replica, users, replica].map((app, i) =>
          call(app, 'POST', '/auth/register', {
            body: { email: i % 2 ? address.toUpperCase() : address, password: 'correct-horse-1' },
          }),
        ),
      );
      expect(results.map((r) => r.res.status).sort()).toEqual([201, 409, 409, 409]);
    });

    it('names every invalid field (400)', async () => {
      const { res, body } = await call(users, 'POST', '/auth/register', {
        body: { email: 'not-an-email', password: 'short', role: 'admin' },
      });
      expect(res.status).toBe(400);
      const fields = (body as { errors: Array<{ field: string }> }).errors.map((e) => e.field);
      expect(new Set(fields)).toEqual(new Set(['email', 'password', 'role']));
    });
  });

  describe('login', () => {
    it('sets both cookies with the contract flags and answers the token body', async () => {
      const account = await register();
      const result = await login(users, account);
      expect(result).toMatchObject({
        tokenType: 'Bearer',
        expiresIn: 900,
        user: { email: account.email, plan: 'free', role: 'user' },
      });
      expect(result.cookies).toHaveLength(2);
      expect(result.cookies[0]).toBe(
        `access_token=${result.accessToken}; Max-Age=900; Path=/; HttpOnly; SameSite=Lax`,
      );
      expect(result.cookies[1]).toMatch(
        /^refresh_token=[\w-]+\.[\w-]+; Max-Age=604800; Path=\/auth; HttpOnly; SameSite=Strict$/,
      );
      const header = decodeProtectedHeader(result.accessToken);
      expect(header).toMatchObject({ alg: 'ES256', kid: expect.any(String) as unknown });
      expect(Object.keys(decodeJwt(result.accessToken)).sort()).toEqual([
        'aud',
        'email',
        'exp',
        'iat',
        'iss',
        'jti',
        'plan',
        'role',
        'sub',
      ]);
    });

    it('marks cookies Secure when COOKIE_SECURE=true', async () => {
      const account = await register(replica);
      const { cookies } = await login(replica, account);
      expect(cookies.every((cookie) => cookie.endsWith('; Secure'))).toBe(true);
    });

    it('gives the same 401 for an unknown email and a wrong password', async () => {
      const account = await register();
      const unknown = await call(users, 'POST', '/auth/login', {
        body: { email: nextEmail(), password: account.password },
      });
      const wrong = await call(users, 'POST', '/auth/login', {
        body: { email: account.email, password: 'wrong-password' },
      });
      expect(unknown.res.status).toBe(401);
      expect(wrong.res.status).toBe(401);
      const strip = (body: unknown) => ({ ...(body as object), instance: undefined });
      expect(strip(unknown.body)).toEqual(strip(wrong.body));
      expect(unknown.cookies).toEqual([]);
    });

    it('answers 429 with Retry-After after too many failures for one email', async () => {
      const account = await register();
      const headers = { 'x-forwarded-for': '198.51.100.1' };
      for (let i = 0; i < 3; i += 1) {
        const { res } = await call(users, 'POST', '/auth/login', {
          body: { email: account.email, password: `wrong-${i}` },
          headers,
        });
        expect(res.status).toBe(401);
      }
      const blocked = await call(users, 'POST', '/auth/login', {
        body: { email: account.email, password: account.password },
        headers,
      });
      expect(blocked.res.status).toBe(429);
      expect(Number(blocked.res.headers.get('retry-after'))).toBeGreaterThan(800);
      expect(blocked.body).toMatchObject({ type: 'urn:spillway:problem:too-many-login-attempts' });
      // The limit is shared: the other replica refuses too.
      const elsewhere = await call(replica, 'POST', '/auth/login', {
        body: { email: account.email, password: account.password },
        headers,
      });
      expect(elsewhere.res.status).toBe(429);
    });

    it('answers 429 after too many failures from one address, whatever the emails', async () => {
      const headers = { 'x-forwarded-for': '203.0.113.9' };
      const statuses: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        const { res } = await call(users, 'POST', '/auth/login', {
          body: { email: nextEmail(), password: 'guess-1234' },
          headers,
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
      const account = await register();
      const fromElsewhere = await call(users, 'POST', '/auth/login', {
        body: { email: account.email, password: account.password },
        headers: { 'x-forwarded-for': '203.0.113.10' },
      });
      expect(fromElsewhere.res.status).toBe(200);
    });
  });

  describe('refresh and logout', () => {
    it('rotates the refresh token, and reuse of a rotated one revokes the family', async () => {
      const account = await register();
      const { cookies } = await login(users, account);
      const first = cookieValue(cookies, 'refresh_token')!;
      const rotated = await call(users, 'POST', '/auth/refresh', {
        cookie: `refresh_token=${first}`,
      });
      expect(rotated.res.status).toBe(200);
      const second = cookieValue(rotated.cookies, 'refresh_token')!;
      expect(second).not.toBe(first);

      const replay = await call(users, 'POST', '/auth/refresh', {
        cookie: `refresh_token=${first}`,
      });
      expect(replay.res.status).toBe(401);
      expect(replay.cookies.map((c) => c.split(';')[0])).toEqual([
        'access_token=',
        'refresh_token=',
      ]);
      const victim = await call(users, 'POST', '/auth/refresh', {
        cookie: `refresh_token=${second}`,
      });
      expect(victim.res.status).toBe(401);
    });

    it('refuses a missing or made-up refresh token', async () => {
      expect((await call(users, 'POST', '/auth/refresh')).res.status).toBe(401);
      const forged = await call(users, 'POST', '/auth/refresh', {
        cookie: 'refresh_token=AAAAAAAAAAAAAAAAAAAAAA.forged',
      });
      expect(forged.res.status).toBe(401);
    });

    it('logs out with 204, clears both cookies and revokes the refresh token', async () => {
      const account = await register();
      const { cookies } = await login(users, account);
      const refresh = cookieValue(cookies, 'refresh_token')!;
      const out = await call(users, 'POST', '/auth/logout', { cookie: `refresh_token=${refresh}` });
      expect(out.res.status).toBe(204);
      expect(out.cookies).toEqual([
        'access_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
        'refresh_token=; Max-Age=0; Path=/auth; HttpOnly; SameSite=Strict; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
      ]);
      const after = await call(users, 'POST', '/auth/refresh', {
        cookie: `refresh_token=${refresh}`,
      });
      expect(after.res.status).toBe(401);
    });

    it('logout also revokes the access token presented, on every replica', async () => {
      const account = await register();
      const { accessToken, cookies } = await login(users, account);
      const other = await login(users, account);
      expect((await call(replica, 'GET', '/auth/me', { token: accessToken })).res.status).toBe(200);
      const out = await call(users, 'POST', '/auth/logout', {
        cookie: `access_token=${accessToken}; refresh_token=${cookieValue(cookies, 'refresh_token')}`,
      });
      expect(out.res.status).toBe(204);
      for (const app of [users, replica]) {
        const me = await call(app, 'GET', '/auth/me', { token: accessToken });
        expect(me.res.status).toBe(401);
      }
      // Another session of the same user is untouched.
      expect((await call(users, 'GET', '/auth/me', { token: other.accessToken })).res.status).toBe(
        200,
      );
      // Logging out with only a Bearer token works too.
      const bearerOut = await call(users, 'POST', '/auth/logout', { token: other.accessToken });
      expect(bearerOut.res.status).toBe(204);
      expect((await call(users, 'GET', '/auth/me', { token: other.accessToken })).res.status).toBe(
        401,
      );
    });
  });

  describe('admin', () => {
    it('bootstraps one admin (role admin, plan paid) even with two replicas starting at once', async () => {
      const [a, b] = await Promise.all([login(users, ADMIN), login(replica, ADMIN)]);
      expect(a.user).toMatchObject({ email: ADMIN.email, role: 'admin', plan: 'paid' });
      expect(b.user.id).toBe(a.user.id);
    });

    it("changes a user's plan, and the next token carries it", async () => {
      const account = await register();
      const session = await login(users, account);
      const admin = await login(users, ADMIN);
      const changed = await call(users, 'PATCH', `/users/${account.id}`, {
        token: admin.accessToken,
        body: { plan: 'paid' },
      });
      expect(changed.res.status).toBe(200);
      expect(changed.body).toMatchObject({ id: account.id, plan: 'paid' });

      const refreshed = await call(users, 'POST', '/auth/refresh', {
        cookie: `refresh_token=${cookieValue(session.cookies, 'refresh_token')}`,
      });
      const token = (refreshed.body as unknown as TokenBody).accessToken;
      remember(token);
      expect(decodeJwt(token).plan).toBe('paid');
      expect((refreshed.body as unknown as TokenBody).user.plan).toBe('paid');
    });

    it('refuses plan changes by non-admins (403), without a token (401), and bad input', async () => {
      const account = await register();
      const session = await login(users, account);
      const admin = await login(users, ADMIN);
      const path = `/users/${account.id}`;
      expect(
        (await call(users, 'PATCH', path, { token: session.accessToken, body: { plan: 'paid' } }))
          .res.status,
      ).toBe(403);
      expect((await call(users, 'PATCH', path, { body: { plan: 'paid' } })).res.status).toBe(401);
      expect(
        (await call(users, 'PATCH', path, { token: admin.accessToken, body: { plan: 'gold' } })).res
          .status,
      ).toBe(400);
      for (const id of ['00000000-0000-4000-8000-000000000000', `by-email:${ADMIN.email}`]) {
        const missing = await call(users, 'PATCH', `/users/${encodeURIComponent(id)}`, {
          token: admin.accessToken,
          body: { plan: 'paid' },
        });
        expect(missing.res.status).toBe(404);
      }
    });
  });

  describe('keys', () => {
    it('shares one key between replicas: each verifies what the other issued', async () => {
      const [jwksA, jwksB] = await Promise.all([
        call(users, 'GET', '/.well-known/jwks.json'),
        call(replica, 'GET', '/.well-known/jwks.json'),
      ]);
      expect(jwksA.body).toEqual(jwksB.body);
      const account = await register();
      const fromA = await login(users, account);
      const fromB = await login(replica, account);
      expect(decodeProtectedHeader(fromA.accessToken).kid).toBe(
        decodeProtectedHeader(fromB.accessToken).kid,
      );
      expect(
        (await call(replica, 'GET', '/auth/me', { token: fromA.accessToken })).body,
      ).toMatchObject({ id: account.id });
      expect(
        (await call(users, 'GET', '/auth/me', { token: fromB.accessToken })).body,
      ).toMatchObject({ id: account.id });
      // A refresh token from one replica rotates at the other.
      const refreshed = await call(replica, 'POST', '/auth/refresh', {
        cookie: `refresh_token=${cookieValue(fromA.cookies, 'refresh_token')}`,
      });
      expect(refreshed.res.status).toBe(200);
    });

    it('rotates the key (admin) and keeps the old public key while its tokens live', async () => {
      const account = await register();
      const before = await login(users, account);
      const admin = await login(users, ADMIN);
      expect(
        (await call(users, 'POST', '/keys/rotate', { token: before.accessToken })).res.status,
      ).toBe(403);
      const rotation = await call(users, 'POST', '/keys/rotate', { token: admin.accessToken });
      expect(rotation.res.status).toBe(200);
      const { kid, previousKid } = rotation.body as { kid: string; previousKid: string };
      expect(previousKid).toBe(decodeProtectedHeader(before.accessToken).kid);

      const jwks = (await call(replica, 'GET', '/.well-known/jwks.json')).body as {
        keys: Array<{ kid: string; alg: string; d?: string }>;
      };
      expect(jwks.keys.map((key) => key.kid)).toEqual([kid, previousKid]);
      expect(jwks.keys.every((key) => key.alg === 'ES256' && key.d === undefined)).toBe(true);

      const after = await login(replica, account);
      expect(decodeProtectedHeader(after.accessToken).kid).toBe(kid);
      for (const app of [users, replica]) {
        for (const token of [before.accessToken, after.accessToken]) {
          expect((await call(app, 'GET', '/auth/me', { token })).res.status).toBe(200);
        }
      }
    });
  });

  it('writes no password, hash or token to any log line', async () => {
    const stored = await redis.keys(`${prefix}users:*`);
    for (const key of stored) {
      if ((await redis.type(key)) === 'hash')
        remember((await redis.hget(key, 'passwordHash')) ?? undefined);
    }
    const lines = [...users.lines, ...replica.lines];
    expect(lines.length).toBeGreaterThan(20);
    expect(secrets.size).toBeGreaterThan(20);
    for (const secret of secrets) {
      const leaked = lines.find((line) => line.includes(secret));
      expect(leaked).toBeUndefined();
    }
  });
});

describe('users with JWT_PRIVATE_KEY (real process)', () => {
  const prefix = uniquePrefix('users-pinned');
  let redis: Redis;
  let users: AppProcess;
  let kid: string;
  let pem: string;

  beforeAll(async () => {
    redis = testRedis();
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    pem = await exportPKCS8(privateKey);
    kid = await calculateJwkThumbprint(await exportJWK(publicKey));
    // One line with literal \n, as container env files carry it.
    users = await startApp('users', {
      env: { REDIS_KEY_PREFIX: prefix, JWT_PRIVATE_KEY: pem.replace(/\n/g, '\\n') },
    });
  });

  afterAll(async () => {
    await stopAll([users]);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('signs with the configured key, publishes it, and logs the user id of /auth/me', async () => {
    const jwks = (await call(users, 'GET', '/.well-known/jwks.json')).body as {
      keys: Array<{ kid: string }>;
    };
    expect(jwks.keys.map((key) => key.kid)).toEqual([kid]);
    const credentials = {
      email: `pinned-${Date.now()}@example.com`,
      password: 'pinned-password-1',
    };
    const { body: user } = await call(users, 'POST', '/auth/register', { body: credentials });
    const login = await call(users, 'POST', '/auth/login', { body: credentials });
    const token = (login.body as unknown as TokenBody).accessToken;
    expect(decodeProtectedHeader(token).kid).toBe(kid);
    const me = await call(users, 'GET', '/auth/me', {
      token,
      headers: { 'x-request-id': 'pinned-me-1' },
    });
    expect(me.res.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const line = users.lines.find((l) => l.includes('"reqId":"pinned-me-1"'));
    expect(JSON.parse(line!)).toMatchObject({
      path: '/auth/me',
      status: 200,
      userId: (user as { id: string }).id,
    });
    expect(users.lines.some((l) => l.includes(pem.split('\n')[1]))).toBe(false);
  });

  it('stops with one line naming JWT_PRIVATE_KEY when it is not an ES256 key', () => {
    const result = spawnSync(
      process.execPath,
      [resolve(__dirname, '../../../dist/apps/users/src/main.js')],
      {
        env: { PATH: process.env.PATH, JWT_PRIVATE_KEY: 'not-a-key' },
        encoding: 'utf8',
        timeout: 10_000,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Invalid environment: JWT_PRIVATE_KEY must be a PEM (PKCS#8) P-256 private key for ES256 (got "not-a-key")',
    ]);
  });
});
