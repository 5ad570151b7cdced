import { AuthModule, CurrentUser, JwtAuthGuard, Roles, RolesGuard } from '@app/auth';
import { ConfigModule } from '@app/config';
import type { AuthenticatedUser } from '@app/contracts';
import { createApp, HealthModule } from '@app/http';
import {
  deleteKeys,
  startApp,
  stopAll,
  testRedis,
  uniquePrefix,
  type AppProcess,
} from '@app/testing';
import { Controller, Get, Module, Post, UseGuards } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Redis } from 'ioredis';
import {
  base64url,
  decodeProtectedHeader,
  exportSPKI,
  generateKeyPair,
  importJWK,
  importPKCS8,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/** A stand-in for any gateway feature: routes behind the shared guard. */
@Controller('probe')
@UseGuards(JwtAuthGuard, RolesGuard)
class ProbeController {
  @Get()
  read(@CurrentUser() user: AuthenticatedUser): AuthenticatedUser {
    return user;
  }

  @Post()
  write(@CurrentUser() user: AuthenticatedUser): AuthenticatedUser {
    return user;
  }

  @Get('admin')
  @Roles('admin')
  admin(): { ok: true } {
    return { ok: true };
  }
}

const ADMIN = { email: 'guard-admin@spillway.test', password: 'guard-admin-pass-1' };
const ISSUER = 'spillway-users';
const AUDIENCE = 'spillway';

describe('JwtAuthGuard from @app/auth against a real users process (JWKS over HTTP)', () => {
  const prefix = uniquePrefix('auth-guard');
  let redis: Redis;
  let users: AppProcess;
  let app: NestFastifyApplication;
  let url: string;
  let userToken: string;
  let adminToken: string;
  let realKey: { kid: string; privateKey: CryptoKey };

  beforeAll(async () => {
    redis = testRedis();
    users = await startApp('users', {
      env: { REDIS_KEY_PREFIX: prefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
    });
    @Module({
      imports: [
        ConfigModule.forRoot({
          USERS_URL: users.url,
          JWT_ISSUER: ISSUER,
          JWT_AUDIENCE: AUDIENCE,
          ALLOWED_ORIGINS: ['https://app.example'],
        }),
        HealthModule,
        AuthModule,
      ],
      controllers: [ProbeController],
    })
    class ProbeModule {}
    ({ app } = await createApp({
      name: 'probe',
      module: ProbeModule,
      config: {
        PORT: 0,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        BODY_LIMIT_BYTES: 65_536,
        SHUTDOWN_TIMEOUT_MS: 1000,
      },
    }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.getUrl();
    url = url.replace('[::1]', '127.0.0.1');

    const credentials = { email: `guard-${Date.now()}@example.com`, password: 'guard-password-1' };
    await post(`${users.url}/auth/register`, credentials);
    userToken = await login(credentials);
    adminToken = await login(ADMIN);
    const stored = JSON.parse((await redis.get(`${prefix}jwt-keys:active`))!) as {
      kid: string;
      privateKeyPem: string;
    };
    realKey = { kid: stored.kid, privateKey: await importPKCS8(stored.privateKeyPem, 'ES256') };
  });

  afterAll(async () => {
    await app?.close();
    await stopAll([users]);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  function post(target: string, body: unknown) {
    return fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function login(credentials: { email: string; password: string }): Promise<string> {
    const res = await post(`${users.url}/auth/login`, credentials);
    expect(res.status).toBe(200);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  function probe(
    path = '/probe',
    init: { method?: string; headers?: Record<string, string> } = {},
  ) {
    return fetch(`${url}${path}`, init);
  }

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  /** A token like the real ones, with one thing changed. */
  function forge(
    change: {
      key?: CryptoKey;
      kid?: string;
      iss?: string;
      aud?: string;
      exp?: number;
      claims?: JWTPayload;
    } = {},
  ) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email: 'x@example.com', plan: 'paid', role: 'admin', ...change.claims })
      .setProtectedHeader({ alg: 'ES256', kid: change.kid ?? realKey.kid })
      .setSubject('forged-user')
      .setIssuer(change.iss ?? ISSUER)
      .setAudience(change.aud ?? AUDIENCE)
      .setIssuedAt(now - 60)
      .setJti('forged')
      .setExpirationTime(change.exp ?? now + 600)
      .sign(change.key ?? realKey.privateKey);
  }

  async function expect401(res: Response): Promise<void> {
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toMatchObject({ type: 'urn:spillway:problem:unauthorized' });
  }

  it('accepts a real token as Bearer or as the access_token cookie', async () => {
    const viaBearer = await probe('/probe', bearer(userToken));
    expect(viaBearer.status).toBe(200);
    const user = (await viaBearer.json()) as AuthenticatedUser;
    expect(user).toMatchObject({ plan: 'free', role: 'user' });
    const viaCookie = await probe('/probe', {
      headers: { cookie: `theme=dark; access_token=${userToken}` },
    });
    expect(viaCookie.status).toBe(200);
    expect(await viaCookie.json()).toEqual(user);
  });

  it('control: a token forged with the real key and correct claims passes', async () => {
    expect((await probe('/probe', bearer(await forge()))).status).toBe(200);
  });

  it('401: no token, or a token that is not a JWT', async () => {
    await expect401(await probe());
    await expect401(await probe('/probe', bearer('not-a-jwt')));
    await expect401(await probe('/probe', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }));
  });

  it('401: expired token', async () => {
    await expect401(
      await probe('/probe', bearer(await forge({ exp: Math.floor(Date.now() / 1000) - 5 }))),
    );
  });

  it('401: token signed by another key under the real kid', async () => {
    const other = await generateKeyPair('ES256');
    await expect401(await probe('/probe', bearer(await forge({ key: other.privateKey }))));
  });

  it('401: alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: realKey.kid }));
    const payload = (await forge()).split('.')[1];
    await expect401(await probe('/probe', bearer(`${header}.${payload}.`)));
  });

  it('401: HS256 signed with the public key as the secret', async () => {
    const jwks = (await (await fetch(`${users.url}/.well-known/jwks.json`)).json()) as {
      keys: JWK[];
    };
    const publicPem = await exportSPKI((await importJWK(jwks.keys[0], 'ES256')) as CryptoKey);
    const now = Math.floor(Date.now() / 1000);
    for (const secret of [publicPem, JSON.stringify(jwks.keys[0])]) {
      const token = await new SignJWT({ email: 'x@example.com', plan: 'paid', role: 'admin' })
        .setProtectedHeader({ alg: 'HS256', kid: realKey.kid })
        .setSubject('forged-user')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setJti('hs')
        .setExpirationTime(now + 600)
        .sign(new TextEncoder().encode(secret));
      await expect401(await probe('/probe', bearer(token)));
    }
  });

  it('401: tampered payload (a user promoting itself to admin)', async () => {
    const [header, payload, signature] = userToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
    const promoted = base64url.encode(JSON.stringify({ ...claims, role: 'admin', plan: 'paid' }));
    await expect401(await probe('/probe/admin', bearer(`${header}.${promoted}.${signature}`)));
  });

  it('401: wrong issuer or wrong audience', async () => {
    await expect401(await probe('/probe', bearer(await forge({ iss: 'someone-else' }))));
    await expect401(await probe('/probe', bearer(await forge({ aud: 'another-api' }))));
  });

  it('401: unknown kid, fetching the JWKS at most once per cooldown however many arrive', async () => {
    const jwksFetches = () =>
      users.lines.filter((line) => line.includes('"path":"/.well-known/jwks.json"')).length;
    const before = jwksFetches();
    const started = Date.now();
    const forged = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const other = await generateKeyPair('ES256');
        return forge({ key: other.privateKey, kid: `unknown-kid-${i}` });
      }),
    );
    const answers = await Promise.all(forged.map((token) => probe('/probe', bearer(token))));
    for (const res of answers) await expect401(res);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fetches = jwksFetches() - before;
    const seconds = (Date.now() - started) / 1000;
    // One fetch when the cooldown allows, and one more after waiting it out (3 s).
    expect(fetches).toBeLessThanOrEqual(Math.ceil(seconds / 3) + 1);
    expect(fetches).toBeLessThanOrEqual(2);
  });

  it('403: a user on an admin route; an admin passes', async () => {
    const res = await probe('/probe/admin', bearer(userToken));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: 'urn:spillway:problem:role-required' });
    expect((await probe('/probe/admin', bearer(adminToken))).status).toBe(200);
  });

  it('CSRF: refuses a cookie-authenticated POST from a foreign origin only', async () => {
    const cookie = `access_token=${userToken}`;
    const postWith = (headers: Record<string, string>) =>
      probe('/probe', { method: 'POST', headers });
    const foreign = await postWith({ cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('content-type')).toContain('application/problem+json');
    expect((await postWith({ cookie, origin: 'https://app.example' })).status).toBe(201);
    expect((await postWith({ cookie, origin: url })).status).toBe(201);
    expect((await postWith({ cookie })).status).toBe(201);
    // A Bearer token is never sent by a browser on its own, so the origin does not matter.
    expect(
      (await postWith({ authorization: `Bearer ${userToken}`, origin: 'https://evil.example' }))
        .status,
    ).toBe(201);
    // Safe methods are not state-changing.
    expect(
      (await probe('/probe', { headers: { cookie, origin: 'https://evil.example' } })).status,
    ).toBe(200);
  });

  it('follows a key rotation: new tokens verify at once, old ones until they expire', async () => {
    const rotation = await fetch(`${users.url}/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(rotation.status).toBe(200);
    const { kid } = (await rotation.json()) as { kid: string };
    const fresh = await login(ADMIN);
    expect(decodeProtectedHeader(fresh).kid).toBe(kid);
    expect((await probe('/probe/admin', bearer(fresh))).status).toBe(200);
    expect((await probe('/probe', bearer(userToken))).status).toBe(200);
  });

  it('writes no password or token to the users log', () => {
    for (const secret of [userToken, adminToken, ADMIN.password, 'guard-password-1']) {
      expect(users.lines.find((line) => line.includes(secret))).toBeUndefined();
    }
  });
});
