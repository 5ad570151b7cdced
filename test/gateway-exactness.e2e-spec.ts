import {
  deleteKeys,
  startApp,
  stopAll,
  testRedis,
  uniquePrefix,
  type AppProcess,
} from '@app/testing';
import type { FreeProviderStats, PaidProviderUsage } from '@app/jobs';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The headline: several gateway replicas share one exact free quota, so together
 * they never send the real free provider a request it would reject, spill the rest to paid,
 * and return to free the moment its window reopens.
 */

const ADMIN = { email: 'exactness-admin@spillway.test', password: 'exactness-admin-pass-1' };

interface Answer {
  status: number;
  provider: string | null;
  headers: Headers;
  body: Record<string, unknown>;
  ms: number;
}

describe('exact shared free quota (3 gateways, real users, free and paid providers)', () => {
  const prefix = uniquePrefix('gateway-exactness');
  const shortPrefix = uniquePrefix('gateway-exactness-short');
  let redis: Redis;
  let users: AppProcess;
  let paid: AppProcess;
  let free: AppProcess;
  let shortFree: AppProcess;
  let gateways: AppProcess[] = [];
  let shortGateway: AppProcess;
  let paidTokens: string[] = [];
  let freeToken: string;

  function post(url: string, body: unknown, headers: Record<string, string> = {}) {
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  async function login(credentials: { email: string; password: string }): Promise<string> {
    const res = await post(`${users.url}/auth/login`, credentials);
    expect(res.status).toBe(200);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  /** A registered user promoted to plan paid by the admin; the next token carries the plan. */
  async function paidPlanUser(adminToken: string, n: number): Promise<string> {
    const credentials = {
      email: `exact-paid-${n}-${Date.now()}@example.com`,
      password: 'pass-word-1',
    };
    const registered = await post(`${users.url}/auth/register`, credentials);
    expect(registered.status).toBe(201);
    const { id } = (await registered.json()) as { id: string };
    const patched = await fetch(`${users.url}/users/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ plan: 'paid' }),
    });
    expect(patched.status).toBe(200);
    return login(credentials);
  }

  function gatewayEnv(overrides: Record<string, string | number>) {
    return {
      REDIS_KEY_PREFIX: prefix,
      USERS_URL: users.url,
      PAID_PROVIDER_URL: paid.url,
      USER_RATE_LIMIT_PER_MIN: 100_000,
      LOG_LEVEL: 'warn',
      ...overrides,
    };
  }

  beforeAll(async () => {
    redis = testRedis();
    [users, paid, free, shortFree] = await Promise.all([
      startApp('users', {
        env: { REDIS_KEY_PREFIX: prefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      }),
      startApp('paid-provider'),
      startApp('free-provider', { env: { FREE_QUOTA_LIMIT: 20, FREE_QUOTA_WINDOW_MS: 60_000 } }),
      startApp('free-provider', { env: { FREE_QUOTA_LIMIT: 5, FREE_QUOTA_WINDOW_MS: 1500 } }),
    ]);
    const env = gatewayEnv({
      FREE_PROVIDER_URL: free.url,
      FREE_QUOTA_LIMIT: 20,
      FREE_QUOTA_WINDOW_MS: 60_000,
    });
    gateways = await Promise.all([0, 1, 2].map(() => startApp('gateway', { env })));
    shortGateway = await startApp('gateway', {
      env: gatewayEnv({
        REDIS_KEY_PREFIX: shortPrefix,
        FREE_PROVIDER_URL: shortFree.url,
        FREE_QUOTA_LIMIT: 5,
        FREE_QUOTA_WINDOW_MS: 1500,
      }),
    });

    const adminToken = await login(ADMIN);
    paidTokens = [adminToken, await paidPlanUser(adminToken, 1), await paidPlanUser(adminToken, 2)];
    const credentials = { email: `exact-free-${Date.now()}@example.com`, password: 'pass-word-1' };
    expect((await post(`${users.url}/auth/register`, credentials)).status).toBe(201);
    freeToken = await login(credentials);
  });

  afterAll(async () => {
    await stopAll([...gateways, shortGateway, users, paid, free, shortFree]);
    await deleteKeys(redis, prefix);
    await deleteKeys(redis, shortPrefix);
    await redis.quit();
  });

  async function job(
    gateway: AppProcess,
    token: string,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const started = performance.now();
    const res = await post(
      `${gateway.url}/messages`,
      { text: 'Count me exactly' },
      { authorization: `Bearer ${token}`, ...headers },
    );
    const text = await res.text();
    return {
      status: res.status,
      provider: res.headers.get('x-provider'),
      headers: res.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      ms: performance.now() - started,
    };
  }

  async function freeStats(provider: AppProcess): Promise<FreeProviderStats> {
    return (await (await fetch(`${provider.url}/v1/stats`)).json()) as FreeProviderStats;
  }

  async function paidUsage(): Promise<PaidProviderUsage> {
    const res = await fetch(`${paid.url}/v1/usage`, { headers: { 'x-api-key': 'dev-paid-key' } });
    return (await res.json()) as PaidProviderUsage;
  }

  it('200 concurrent paid-plan requests over 3 replicas: exactly 20 on free, none rejected, 180 on paid', async () => {
    const paidBefore = (await paidUsage()).calls;
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        job(gateways[i % 3], paidTokens[i % paidTokens.length]),
      ),
    );
    const wallMs = performance.now() - started;

    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const onFree = answers.filter((a) => a.provider === 'free').length;
    const onPaid = answers.filter((a) => a.provider === 'paid').length;
    expect({ onFree, onPaid }).toEqual({ onFree: 20, onPaid: 180 });
    for (const answer of answers) expect(answer.body.provider).toBe(answer.provider);

    const stats = await freeStats(free);
    expect(stats).toMatchObject({ accepted: 20, rejected: 0 });
    expect((await paidUsage()).calls - paidBefore).toBe(180);
    process.stdout.write(
      `[exactness] 200 requests in ${Math.round(wallMs)} ms, worst ${Math.round(
        Math.max(...answers.map((a) => a.ms)),
      )} ms; free ${JSON.stringify(stats)}\n`,
    );
  });

  it('short window: exhausted → paid; the first request after the window is on free again', async () => {
    const [token] = paidTokens;
    for (let i = 0; i < 5; i++) {
      expect(await job(shortGateway, token)).toMatchObject({ status: 200, provider: 'free' });
    }
    expect(await job(shortGateway, token)).toMatchObject({ status: 200, provider: 'paid' });

    const quota = await fetch(`${shortGateway.url}/quota`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { remaining, resetInMs, route } = (await quota.json()) as {
      remaining: number;
      resetInMs: number;
      route: string;
    };
    expect({ remaining, route }).toEqual({ remaining: 0, route: 'paid' });
    expect(resetInMs).toBeGreaterThan(0);
    expect(resetInMs).toBeLessThanOrEqual(1500 + 100);

    await sleep(resetInMs + 20);
    const next = await job(shortGateway, token);
    expect(next).toMatchObject({ status: 200, provider: 'free' });
    expect(await freeStats(shortFree)).toMatchObject({ rejected: 0 });
    process.stdout.write(
      `[exactness] switch back: first request ${resetInMs + 20} ms later on free\n`,
    );
  });

  it('a free-plan user finds free used up: 429 with the remaining window as Retry-After, never paid; Prefer: wait=5 is served on free', async () => {
    const [token] = paidTokens;
    // Use up whatever is left of the current window.
    for (let i = 0; i < 6; i++) await job(shortGateway, token);
    const before = await paidUsage();

    const refused = await job(shortGateway, freeToken);
    const stats = await freeStats(shortFree);
    const windowLeftMs = (stats.windowOpenedAt ?? 0) + stats.windowMs - Date.now();
    expect(refused.status).toBe(429);
    expect(refused.provider).toBeNull();
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const retryAfterMs = refused.body.retryAfterMs as number;
    expect(Math.abs(retryAfterMs - windowLeftMs)).toBeLessThan(250);
    expect(refused.headers.get('retry-after')).toBe(String(Math.ceil(retryAfterMs / 1000)));
    expect(refused.body.type).toBe('urn:spillway:problem:free-quota-exhausted');

    const waited = await job(shortGateway, freeToken, { prefer: 'wait=5' });
    expect(waited).toMatchObject({ status: 200, provider: 'free' });
    expect(waited.headers.get('preference-applied')).toBe('wait=5');
    expect(waited.ms).toBeGreaterThanOrEqual(retryAfterMs - 300);
    expect(waited.ms).toBeLessThan(retryAfterMs + 1500);

    // Neither answer cost a paid call.
    expect((await paidUsage()).calls).toBe(before.calls);
    expect(await freeStats(shortFree)).toMatchObject({ rejected: 0 });
    process.stdout.write(
      `[exactness] free plan: 429 retryAfterMs=${retryAfterMs} (window left ${windowLeftMs}), Prefer wait served after ${Math.round(waited.ms)} ms\n`,
    );
  });
});
