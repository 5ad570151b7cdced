import {
  deleteKeys,
  freePort,
  startApp,
  stopAll,
  testRedis,
  uniquePrefix,
  type AppProcess,
} from '@app/testing';
import type { Redis } from 'ioredis';

/** A browser's cookie jar, reduced to what this flow needs: name, value, path, deletion. */
class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();
  readonly seen = new Set<string>();

  store(setCookies: string[]): void {
    for (const header of setCookies) {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (key: string) =>
        attributes.find((a) => a.toLowerCase().startsWith(`${key.toLowerCase()}=`))?.split('=')[1];
      if (attr('Max-Age') === '0' || value === '') this.cookies.delete(name);
      else {
        this.cookies.set(name, { value, path: attr('Path') ?? '/' });
        this.seen.add(value);
      }
    }
  }

  header(path: string): string | undefined {
    const sent = [...this.cookies]
      .filter(
        ([, cookie]) =>
          path === cookie.path ||
          path.startsWith(`${cookie.path.replace(/\/$/, '')}/`) ||
          cookie.path === '/',
      )
      .map(([name, cookie]) => `${name}=${cookie.value}`);
    return sent.length > 0 ? sent.join('; ') : undefined;
  }

  get names(): string[] {
    return [...this.cookies.keys()].sort();
  }
}

describe('auth through the gateway (real gateway and users processes)', () => {
  const prefix = uniquePrefix('auth-flow');
  let redis: Redis;
  let users: AppProcess;
  let gateway: AppProcess;
  const secrets = new Set<string>();

  beforeAll(async () => {
    redis = testRedis();
    users = await startApp('users', { env: { REDIS_KEY_PREFIX: prefix } });
    gateway = await startApp('gateway', {
      env: {
        REDIS_KEY_PREFIX: prefix,
        USERS_URL: users.url,
        ALLOWED_ORIGINS: 'https://app.example',
      },
    });
  });

  afterAll(async () => {
    await stopAll([gateway, users]);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  async function send(
    jar: CookieJar,
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...options.headers };
    const cookie = jar.header(path);
    if (cookie) headers.cookie = cookie;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${gateway.url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const setCookies = res.headers.getSetCookie();
    jar.store(setCookies);
    const text = await res.text();
    return {
      res,
      setCookies,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  }

  it('register → login → me with only the cookie jar → refresh → logout → me is 401', async () => {
    const jar = new CookieJar();
    const credentials = { email: `flow-${Date.now()}@example.com`, password: 'flow-password-1' };
    secrets.add(credentials.password);

    const registered = await send(jar, 'POST', '/auth/register', { body: credentials });
    expect(registered.res.status).toBe(201);
    expect(registered.body).toEqual({
      id: expect.any(String) as unknown,
      email: credentials.email,
      plan: 'free',
      role: 'user',
    });

    const login = await send(jar, 'POST', '/auth/login', { body: credentials });
    expect(login.res.status).toBe(200);
    const token = login.body as { accessToken: string; tokenType: string; expiresIn: number };
    secrets.add(token.accessToken);
    expect(token).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: registered.body });
    expect(login.setCookies).toHaveLength(2);
    const [access, refresh] = login.setCookies;
    expect(access).toBe(
      `access_token=${token.accessToken}; Max-Age=900; Path=/; HttpOnly; SameSite=Lax`,
    );
    expect(refresh).toMatch(
      /^refresh_token=[\w-]+\.[\w-]+; Max-Age=604800; Path=\/auth; HttpOnly; SameSite=Strict$/,
    );
    expect(jar.names).toEqual(['access_token', 'refresh_token']);

    const me = await send(jar, 'GET', '/auth/me');
    expect(me.res.status).toBe(200);
    expect(me.body).toEqual(registered.body);

    const beforeRefresh = jar.header('/auth/refresh');
    const refreshed = await send(jar, 'POST', '/auth/refresh');
    expect(refreshed.res.status).toBe(200);
    expect(refreshed.setCookies).toHaveLength(2);
    expect(jar.header('/auth/refresh')).not.toBe(beforeRefresh);
    secrets.add((refreshed.body as { accessToken: string }).accessToken);
    expect((await send(jar, 'GET', '/auth/me')).res.status).toBe(200);

    const logout = await send(jar, 'POST', '/auth/logout');
    expect(logout.res.status).toBe(204);
    expect(logout.setCookies.map((c) => c.split(';')[0])).toEqual([
      'access_token=',
      'refresh_token=',
    ]);
    expect(jar.names).toEqual([]);

    const after = await send(jar, 'GET', '/auth/me');
    expect(after.res.status).toBe(401);
    expect(after.res.headers.get('content-type')).toContain('application/problem+json');
    expect(after.body).toMatchObject({ type: 'urn:spillway:problem:unauthorized', status: 401 });
    // The last access token, kept by a client that ignores cookies, is revoked as well.
    const lastAccess = (refreshed.body as { accessToken: string }).accessToken;
    const bearer = await send(new CookieJar(), 'GET', '/auth/me', {
      headers: { authorization: `Bearer ${lastAccess}` },
    });
    expect(bearer.res.status).toBe(401);

    for (const value of jar.seen) secrets.add(value);
  });

  it('accepts the same token as Bearer and passes the request id to users', async () => {
    const jar = new CookieJar();
    const credentials = {
      email: `bearer-${Date.now()}@example.com`,
      password: 'bearer-password-1',
    };
    secrets.add(credentials.password);
    await send(jar, 'POST', '/auth/register', { body: credentials });
    const login = await send(new CookieJar(), 'POST', '/auth/login', { body: credentials });
    const accessToken = (login.body as { accessToken: string }).accessToken;
    secrets.add(accessToken);
    const me = await send(new CookieJar(), 'GET', '/auth/me', {
      headers: { authorization: `Bearer ${accessToken}`, 'x-request-id': 'auth-flow-req-1' },
    });
    expect(me.res.status).toBe(200);
    expect(me.res.headers.get('x-request-id')).toBe('auth-flow-req-1');
    await waitFor(() => users.lines.some((line) => line.includes('"reqId":"auth-flow-req-1"')));
  });

  it('refuses a cookie-authenticated unsafe request from a foreign origin (403), allows listed ones', async () => {
    const jar = new CookieJar();
    const credentials = { email: `csrf-${Date.now()}@example.com`, password: 'csrf-password-1' };
    secrets.add(credentials.password);
    await send(jar, 'POST', '/auth/register', { body: credentials });
    await send(jar, 'POST', '/auth/login', { body: credentials });
    for (const value of jar.seen) secrets.add(value);

    const forged = await send(jar, 'POST', '/auth/refresh', {
      headers: { origin: 'https://evil.example' },
    });
    expect(forged.res.status).toBe(403);
    expect(forged.res.headers.get('content-type')).toContain('application/problem+json');
    expect(forged.body).toMatchObject({ type: 'urn:spillway:problem:csrf-origin-refused' });

    const listed = await send(jar, 'POST', '/auth/refresh', {
      headers: { origin: 'https://app.example' },
    });
    expect(listed.res.status).toBe(200);
    const sameOrigin = await send(jar, 'POST', '/auth/refresh', {
      headers: { origin: gateway.url },
    });
    expect(sameOrigin.res.status).toBe(200);
    for (const value of jar.seen) secrets.add(value);
  });

  it('answers 503 problem+json at once when users is not reachable', async () => {
    const orphan = await startApp('gateway', {
      env: { REDIS_KEY_PREFIX: prefix, USERS_URL: `http://127.0.0.1:${await freePort()}` },
    });
    try {
      const started = Date.now();
      const res = await fetch(`${orphan.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'a@b.example', password: 'whatever-1' }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await orphan.stop();
    }
  });

  it('writes no password or token to any log line of either process', () => {
    const lines = [...gateway.lines, ...users.lines];
    expect(secrets.size).toBeGreaterThan(8);
    for (const secret of secrets) {
      expect(lines.find((line) => line.includes(secret))).toBeUndefined();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
