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

const LIMIT = 3;
const ADMIN = { email: 'log-admin@example.com', password: 'log-admin-password-1' };
const PAID_KEY = 'logging-test-paid-key-7f3a';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  path?: string;
  status?: number;
  userId?: string;
  provider?: string;
  reason?: string;
}

function parse(lines: string[]): LogLine[] {
  return lines.map((line) => {
    try {
      return JSON.parse(line) as LogLine;
    } catch {
      throw new Error(`not a JSON log line: ${line}`);
    }
  });
}

/** One sample of a Prometheus text page, e.g. value(text, 'x_total{a="b"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('JSON logs and /metrics of real processes', () => {
  const prefix = uniquePrefix('logging');
  let redis: Redis;
  let users: AppProcess;
  let free: AppProcess;
  let paid: AppProcess;
  let gateway: AppProcess;
  const secrets = new Set<string>([ADMIN.password, PAID_KEY]);
  const sent: Array<{ id: string; user: 'admin' | 'member'; status: number }> = [];

  beforeAll(async () => {
    redis = testRedis();
    const quota = { FREE_QUOTA_LIMIT: LIMIT, FREE_QUOTA_WINDOW_MS: 120_000 };
    [users, free, paid] = await Promise.all([
      startApp('users', {
        env: { REDIS_KEY_PREFIX: prefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      }),
      startApp('free-provider', { env: quota }),
      startApp('paid-provider', { env: { PAID_PROVIDER_API_KEY: PAID_KEY } }),
    ]);
    gateway = await startApp('gateway', {
      env: {
        ...quota,
        REDIS_KEY_PREFIX: prefix,
        USERS_URL: users.url,
        FREE_PROVIDER_URL: free.url,
        PAID_PROVIDER_URL: paid.url,
        PAID_PROVIDER_API_KEY: PAID_KEY,
      },
    });

    const login = async (credentials: { email: string; password: string }) => {
      const res = await fetch(`${gateway.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(credentials),
      });
      expect(res.status).toBe(200);
      for (const cookie of res.headers.getSetCookie()) {
        secrets.add(cookie.split(';')[0].split('=').slice(1).join('='));
      }
      const { accessToken } = (await res.json()) as { accessToken: string };
      secrets.add(accessToken);
      return accessToken;
    };
    const member = { email: `member-${Date.now()}@example.com`, password: 'member-password-1' };
    secrets.add(member.password);
    await fetch(`${gateway.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(member),
    });
    const tokens = { admin: await login(ADMIN), member: await login(member) };

    // The admin (plan paid) spends the free quota and spills over; the member is then refused.
    const plan: Array<'admin' | 'member'> = [...Array<'admin'>(LIMIT + 2).fill('admin'), 'member'];
    for (const [i, user] of plan.entries()) {
      const id = `log-test-${i}-${Date.now()}`;
      const res = await fetch(`${gateway.url}/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens[user]}`,
          'content-type': 'application/json',
          'x-request-id': id,
        },
        body: JSON.stringify({ text: `log line ${i}` }),
      });
      expect(res.headers.get('x-request-id')).toBe(id);
      sent.push({ id, user, status: res.status });
    }
  });

  afterAll(async () => {
    await stopAll([gateway, users, free, paid]);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('writes one JSON access line per job with request id, user id, provider and reason', async () => {
    // The access line is written when the response finishes: give the pipe a moment.
    await new Promise((r) => setTimeout(r, 200));
    const lines = parse(gateway.lines);
    const byId = new Map(lines.filter((l) => l.msg === 'request').map((l) => [l.reqId, l]));
    const served = sent.filter((s) => s.status === 200);
    expect(served).toHaveLength(LIMIT + 2);
    for (const { id } of served) {
      expect(byId.get(id)).toMatchObject({
        path: '/messages',
        status: 200,
        userId: expect.any(String) as unknown,
        provider: expect.stringMatching(/^(free|paid)$/) as unknown,
        reason: expect.any(String) as unknown,
      });
    }
    expect(served.map(({ id }) => byId.get(id)?.reason)).toEqual([
      ...Array<string>(LIMIT).fill('free-quota'),
      'quota-exhausted',
      'quota-exhausted',
    ]);
    const refused = sent.find((s) => s.user === 'member');
    expect(refused?.status).toBe(429);
    expect(byId.get(refused!.id)).toMatchObject({
      status: 429,
      userId: expect.any(String) as unknown,
    });
    expect(byId.get(refused!.id)?.userId).not.toBe(byId.get(served[0].id)?.userId);
  });

  it('never logs a password, token, cookie or API key, in any app', () => {
    for (const app of [gateway, users, free, paid]) {
      const all = app.lines.join('\n');
      for (const secret of secrets) expect(all).not.toContain(secret);
      expect(all).not.toMatch(/authorization|set-cookie|x-api-key/i);
    }
  });

  it('counts the same jobs on the gateway /metrics', async () => {
    const res = await fetch(`${gateway.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const requests = (provider: string, outcome: string, reason: string) =>
      sample(
        text,
        `spillway_gateway_requests_total{kind="message",provider="${provider}",outcome="${outcome}",reason="${reason}",origin="sync"}`,
      );
    expect(requests('free', 'success', 'free-quota')).toBe(LIMIT);
    expect(requests('paid', 'success', 'quota-exhausted')).toBe(2);
    expect(requests('none', 'refused', 'quota-exhausted')).toBe(1);
    expect(
      sample(
        text,
        'spillway_gateway_failovers_total{kind="message",reason="quota-exhausted",origin="sync"}',
      ),
    ).toBe(2);
    expect(sample(text, 'spillway_gateway_paid_cost_micros_total{kind="message"}')).toBe(400);
    expect(
      sample(
        text,
        'spillway_gateway_upstream_latency_seconds_count{provider="free",kind="message",outcome="success"}',
      ),
    ).toBe(LIMIT);
    expect(sample(text, 'spillway_free_quota_up')).toBe(1);
    expect(sample(text, 'spillway_free_quota_limit')).toBe(LIMIT);
    expect(sample(text, 'spillway_free_quota_remaining')).toBe(0);
    expect(sample(text, 'spillway_free_quota_reset_seconds')).toBeGreaterThan(100);
    expect(sample(text, 'spillway_free_circuit_open')).toBe(0);
    expect(sample(text, 'spillway_free_blocked')).toBe(0);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('serves /metrics on every other app too', async () => {
    for (const app of [users, free, paid]) {
      const res = await fetch(`${app.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('nodejs_eventloop_lag_seconds');
    }
  });

  it('still answers /metrics with Redis down, saying the quota is unknown', async () => {
    const down = await startApp('gateway', {
      // api mode: this check is about /metrics, not the job workers' own Redis reconnects.
      env: {
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        USERS_URL: users.url,
        GATEWAY_MODE: 'api',
      },
      acceptDegraded: true,
    });
    try {
      const started = Date.now();
      const res = await fetch(`${down.url}/metrics`);
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(3000);
      const text = await res.text();
      expect(sample(text, 'spillway_free_quota_up')).toBe(0);
      expect(sample(text, 'spillway_free_quota_remaining')).toBeNaN();
    } finally {
      await down.stop();
    }
  });
});
