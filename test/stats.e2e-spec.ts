import {
  deleteKeys,
  startApp,
  stopAll,
  testRedis,
  uniquePrefix,
  type AppProcess,
} from '@app/testing';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Issue 6 "stats after a scripted run match the counts the providers report themselves":
 * two gateway replicas, real users, free and paid providers; GET /stats (built by the
 * consumer group from the event stream) against the providers' own /v1/stats and /v1/usage.
 */

const FREE_LIMIT = 5;
const ADMIN = { email: 'stats-admin@spillway.test', password: 'stats-admin-pass-1' };

interface StatsBody {
  since: number | null;
  totals: { free: number; paid: number };
  paidShare: number;
  refused: number;
  paidCostMicros: number;
  byKind: Record<string, Record<string, Record<string, number>>>;
  latencyMs: Record<'free' | 'paid', { p50: number | null; p95: number | null; samples: number }>;
  routeSwitches: { count: number; recent: Array<{ from: string; to: string }> };
  jobs: { accepted: number; started: number; finished: number; failed: number };
  freeUtilisation: number;
  freeAvailable: number;
  backlog: number | null;
}

describe('GET /stats after a scripted run (2 gateways, users, free and paid providers)', () => {
  const prefix = uniquePrefix('stats');
  let redis: Redis;
  let users: AppProcess;
  let free: AppProcess;
  let paid: AppProcess;
  let gateways: AppProcess[] = [];

  beforeAll(async () => {
    redis = testRedis();
    [users, free, paid] = await Promise.all([
      startApp('users', {
        env: { REDIS_KEY_PREFIX: prefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      }),
      startApp('free-provider', {
        env: { FREE_QUOTA_LIMIT: FREE_LIMIT, FREE_QUOTA_WINDOW_MS: 600_000 },
      }),
      startApp('paid-provider'),
    ]);
    const env = {
      REDIS_KEY_PREFIX: prefix,
      USERS_URL: users.url,
      FREE_PROVIDER_URL: free.url,
      PAID_PROVIDER_URL: paid.url,
      FREE_QUOTA_LIMIT: FREE_LIMIT,
      FREE_QUOTA_WINDOW_MS: 600_000,
      LOG_LEVEL: 'warn',
    };
    gateways = await Promise.all([startApp('gateway', { env }), startApp('gateway', { env })]);
  });

  afterAll(async () => {
    await stopAll([...gateways, users, free, paid]);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  async function call(
    gateway: AppProcess,
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${gateway.url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function login(credentials: { email: string; password: string }): Promise<string> {
    const { status, body } = await call(gateways[0], 'POST', '/auth/login', { body: credentials });
    expect(status).toBe(200);
    return body.accessToken as string;
  }

  it('totals equal what the free and paid providers counted themselves', async () => {
    const freeUser = { email: `stats-free-${Date.now()}@example.com`, password: 'stats-free-1' };
    expect((await call(gateways[1], 'POST', '/auth/register', { body: freeUser })).status).toBe(
      201,
    );
    const admin = await login(ADMIN);
    const freePlan = await login(freeUser);

    // Before anything ran: zeros, and only for a logged-in caller.
    expect((await call(gateways[0], 'GET', '/stats')).status).toBe(401);
    const empty = await call(gateways[0], 'GET', '/stats', { token: freePlan });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ totals: { free: 0, paid: 0 }, paidShare: 0 });

    // 12 messages of a paid plan over both replicas: 5 on free, then paid.
    const providers: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await call(gateways[i % 2], 'POST', '/messages', {
        token: admin,
        body: { text: `scripted message ${i}: all good, thanks!` },
      });
      expect(res.status).toBe(200);
      providers.push(res.body.provider as string);
    }
    expect(providers.filter((p) => p === 'free')).toHaveLength(FREE_LIMIT);
    // A few coupons, then the free plan finds free used up: 429, no provider call.
    for (let i = 0; i < 3; i++) {
      const res = await call(gateways[i % 2], 'POST', '/coupons', {
        token: admin,
        body: { campaign: 'stats-run', count: 2 },
      });
      expect(res.status).toBe(201);
    }
    const refused = await call(gateways[1], 'POST', '/messages', {
      token: freePlan,
      body: { text: 'free plan, no quota left' },
    });
    expect(refused.status).toBe(429);

    const freeCounts = (await (await fetch(`${free.url}/v1/stats`)).json()) as {
      accepted: number;
    };
    const usage = (await (
      await fetch(`${paid.url}/v1/usage`, { headers: { 'x-api-key': 'dev-paid-key' } })
    ).json()) as { calls: number; costMicros: number };
    expect(freeCounts.accepted).toBe(FREE_LIMIT);
    expect(usage.calls).toBeGreaterThanOrEqual(12 - FREE_LIMIT);

    // The events travel through the stream; poll until both replicas show the same settled totals.
    let stats: StatsBody | undefined;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const answers = await Promise.all(
        gateways.map((g) => call(g, 'GET', '/stats', { token: freePlan })),
      );
      const [a, b] = answers.map((answer) => answer.body as unknown as StatsBody);
      const settled =
        a.backlog === 0 &&
        a.totals.free === freeCounts.accepted &&
        a.totals.paid === usage.calls &&
        a.refused >= 1;
      if (settled && JSON.stringify(a.totals) === JSON.stringify(b.totals)) {
        stats = a;
        break;
      }
      if (Date.now() > deadline) {
        stats = a;
        break;
      }
      await sleep(100);
    }

    expect(stats.totals).toEqual({ free: freeCounts.accepted, paid: usage.calls });
    expect(stats.paidCostMicros).toBe(usage.costMicros);
    expect(stats.paidShare).toBeCloseTo(usage.calls / (usage.calls + freeCounts.accepted), 10);
    expect(stats.refused).toBe(1);
    expect(stats.byKind.message.none.refused).toBe(1);
    expect(stats.byKind.message.free.success + stats.byKind.coupon.free.success).toBe(
      freeCounts.accepted,
    );
    expect(stats.byKind.message.paid.success).toBe(12 - FREE_LIMIT);
    for (const provider of ['free', 'paid'] as const) {
      const latency = stats.latencyMs[provider];
      expect(latency.samples).toBe(stats.totals[provider]);
      expect(latency.p50).toBeGreaterThan(0);
      expect(latency.p95).toBeGreaterThanOrEqual(latency.p50!);
    }
    // Each replica switched from free to paid once as it saw free run out.
    expect(stats.routeSwitches.count).toBeGreaterThanOrEqual(1);
    expect(stats.routeSwitches.recent[0]).toMatchObject({ from: 'free', to: 'paid' });
    // All of free's one window was used.
    expect(stats.since).toEqual(expect.any(Number));
    expect(stats.freeAvailable).toBe(FREE_LIMIT);
    expect(stats.freeUtilisation).toBe(1);
  });
});
