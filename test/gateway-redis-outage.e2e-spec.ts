import {
  startApp,
  startPrivateRedis,
  stopAll,
  type AppProcess,
  type PrivateRedis,
} from '@app/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * DESIGN.md routing rule 6: with Redis gone the gateway answers fast (paid for paid plans,
 * 503 with Retry-After for free plans, /health degraded) and recovers by itself when Redis
 * is back on the same address, without a restart.
 */

const ADMIN = { email: 'outage-admin@spillway.test', password: 'outage-admin-pass-1' };
/** Each request must answer within this, Redis down or not (CPU is shared). */
const ANSWER_BOUND_MS = 2000;
const REDIS_COMMAND_TIMEOUT_MS = 500;

interface Answer {
  status: number;
  provider: string | null;
  retryAfter: string | null;
  body: Record<string, unknown>;
  ms: number;
}

describe('gateway with its Redis stopped and restarted mid-run (private redis-server)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'spillway-outage-'));
  let redis: PrivateRedis | undefined;
  let port: number;
  let users: AppProcess;
  let free: AppProcess;
  let paid: AppProcess;
  let gateway: AppProcess;
  let paidToken: string;
  let freeToken: string;

  function post(url: string, body: unknown, headers: Record<string, string> = {}) {
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  }

  async function login(credentials: { email: string; password: string }): Promise<string> {
    const res = await post(`${users.url}/auth/login`, credentials);
    expect(res.status).toBe(200);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  async function job(token: string): Promise<Answer> {
    const started = performance.now();
    const res = await post(
      `${gateway.url}/messages`,
      { text: 'Is Redis there?' },
      { authorization: `Bearer ${token}` },
    );
    const text = await res.text();
    return {
      status: res.status,
      provider: res.headers.get('x-provider'),
      retryAfter: res.headers.get('retry-after'),
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      ms: performance.now() - started,
    };
  }

  async function health(): Promise<{ status: number; body: { status: string }; ms: number }> {
    const started = performance.now();
    const res = await fetch(`${gateway.url}/health`, { signal: AbortSignal.timeout(10_000) });
    return {
      status: res.status,
      body: (await res.json()) as { status: string },
      ms: performance.now() - started,
    };
  }

  beforeAll(async () => {
    redis = await startPrivateRedis({ dataDir });
    port = Number(new URL(redis.url).port);
    [users, free, paid] = await Promise.all([
      startApp('users', {
        env: { REDIS_URL: redis.url, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      }),
      startApp('free-provider', { env: { FREE_QUOTA_LIMIT: 1000, FREE_QUOTA_WINDOW_MS: 1000 } }),
      startApp('paid-provider'),
    ]);
    gateway = await startApp('gateway', {
      env: {
        REDIS_URL: redis.url,
        USERS_URL: users.url,
        FREE_PROVIDER_URL: free.url,
        PAID_PROVIDER_URL: paid.url,
        FREE_QUOTA_LIMIT: 1000,
        FREE_QUOTA_WINDOW_MS: 1000,
        FREE_TIMEOUT_MS: 1000,
        REDIS_COMMAND_TIMEOUT_MS: REDIS_COMMAND_TIMEOUT_MS,
        USER_RATE_LIMIT_PER_MIN: 100_000,
        LOG_LEVEL: 'warn',
      },
    });
    const credentials = { email: `outage-${Date.now()}@example.com`, password: 'outage-pass-1' };
    expect((await post(`${users.url}/auth/register`, credentials)).status).toBe(201);
    // Logged in while Redis is up: the gateway verifies tokens locally with its cached JWKS.
    paidToken = await login(ADMIN);
    freeToken = await login(credentials);
  });

  afterAll(async () => {
    await stopAll([gateway, users, free, paid]);
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves on free while Redis is up', async () => {
    expect(await job(paidToken)).toMatchObject({ status: 200, provider: 'free' });
    expect(await job(freeToken)).toMatchObject({ status: 200, provider: 'free' });
    expect((await health()).status).toBe(200);
  });

  it('Redis stopped: paid plans on paid, free plans 503 with Retry-After, /health degraded, nothing hangs', async () => {
    await redis?.stop();
    redis = undefined;
    const answers: Answer[] = [];
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const [forPaid, forFree] = await Promise.all([job(paidToken), job(freeToken)]);
      expect(forPaid).toMatchObject({ status: 200, provider: 'paid' });
      expect(forFree.status).toBe(503);
      expect(Number(forFree.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(forFree.body.type).toBe('urn:spillway:problem:quota-store-unavailable');
      answers.push(forPaid, forFree);
      await sleep(100);
    }
    const report = await health();
    expect(report.status).toBe(503);
    expect(report.body.status).toBe('degraded');
    const worstMs = Math.max(report.ms, ...answers.map((a) => a.ms));
    expect(worstMs).toBeLessThan(ANSWER_BOUND_MS);
    process.stdout.write(
      `[redis-outage] down: ${answers.length} answers, worst ${Math.round(worstMs)} ms, health ${Math.round(report.ms)} ms\n`,
    );
  });

  it('Redis back on the same port: free again and /health 200, without restarting the gateway', async () => {
    redis = await startPrivateRedis({ dataDir, port });
    expect(Number(new URL(redis.url).port)).toBe(port);
    const started = Date.now();
    let answer: Answer | undefined;
    while (Date.now() - started < 15_000) {
      answer = await job(freeToken);
      expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
      if (answer.status === 200) break;
      await sleep(200);
    }
    expect(answer).toMatchObject({ status: 200, provider: 'free' });
    const recoveredMs = Date.now() - started;
    expect(await job(paidToken)).toMatchObject({ status: 200, provider: 'free' });
    const report = await health();
    expect(report.status).toBe(200);
    expect(report.body.status).toBe('ok');
    expect(gateway.child.exitCode).toBeNull();
    process.stdout.write(`[redis-outage] recovered ${recoveredMs} ms after Redis restarted\n`);
  });
  it('Redis frozen (SIGSTOP, sockets stay open): still no request hangs; it thaws and recovers', async () => {
    const frozen = redis;
    if (!frozen) throw new Error('Redis is not running');
    process.kill(frozen.pid, 'SIGSTOP');
    const answers: Answer[] = [];
    try {
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        const [forPaid, forFree] = await Promise.all([job(paidToken), job(freeToken)]);
        expect(forPaid).toMatchObject({ status: 200, provider: 'paid' });
        expect(forFree.status).toBe(503);
        expect(Number(forFree.retryAfter)).toBeGreaterThanOrEqual(1);
        answers.push(forPaid, forFree);
      }
      const report = await health();
      expect(report.status).toBe(503);
      answers.push({ ...report, provider: null, retryAfter: null });
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
    // A request makes two Redis calls in turn (the per-user rate limit, then the quota
    // reservation); against a frozen Redis each waits out the command timeout.
    const worstMs = Math.max(...answers.map((a) => a.ms));
    expect(worstMs).toBeLessThan(Math.min(ANSWER_BOUND_MS, 2 * REDIS_COMMAND_TIMEOUT_MS + 800));

    const started = Date.now();
    let answer: Answer | undefined;
    while (Date.now() - started < 15_000) {
      answer = await job(freeToken);
      if (answer.status === 200) break;
      await sleep(200);
    }
    expect(answer).toMatchObject({ status: 200, provider: 'free' });
    expect((await health()).status).toBe(200);
    process.stdout.write(
      `[redis-outage] frozen: ${answers.length} answers, worst ${Math.round(worstMs)} ms; thawed and free again after ${Date.now() - started} ms\n`,
    );
  });
});
