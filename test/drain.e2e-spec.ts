import {
  deleteKeys,
  startApp,
  stopAll,
  testRedis,
  uniquePrefix,
  type AppProcess,
} from '@app/testing';
import type { Redis } from 'ioredis';

const ADMIN = { email: 'drain-admin@example.com', password: 'drain-admin-password-1' };
const LATENCY_MS = 200;
const CLIENTS = 8;
const SHUTDOWN_TIMEOUT_MS = 5000;

type Attempt = { replica: number; at: number; doneAt: number } & (
  | { kind: 'ok' }
  | { kind: 'refused'; detail: string }
  | { kind: 'error'; detail: string; status?: number }
);

interface Job {
  id: string;
  attempts: Attempt[];
}

/** Fastify's own answer while it closes: the request was turned away before any handler ran. */
const CLOSING_BODY = '"message":"Service Unavailable"';

describe('drain: SIGTERM one of two gateway replicas under load', () => {
  const prefix = uniquePrefix('drain');
  let redis: Redis;
  let users: AppProcess;
  let free: AppProcess;
  let paid: AppProcess;
  const gateways: AppProcess[] = [];

  beforeAll(async () => {
    redis = testRedis();
    [users, free, paid] = await Promise.all([
      startApp('users', {
        env: { REDIS_KEY_PREFIX: prefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      }),
      startApp('free-provider', {
        env: { FREE_LATENCY_MS: LATENCY_MS, FREE_QUOTA_LIMIT: 20, FREE_QUOTA_WINDOW_MS: 1000 },
      }),
      startApp('paid-provider', { env: { PAID_LATENCY_MS: LATENCY_MS } }),
    ]);
    const env = {
      REDIS_KEY_PREFIX: prefix,
      USERS_URL: users.url,
      FREE_PROVIDER_URL: free.url,
      PAID_PROVIDER_URL: paid.url,
      FREE_QUOTA_LIMIT: 20,
      FREE_QUOTA_WINDOW_MS: 1000,
      SHUTDOWN_TIMEOUT_MS,
    };
    gateways.push(...(await Promise.all([0, 1].map(() => startApp('gateway', { env })))));
  });

  afterAll(async () => {
    await stopAll([...gateways, users, free, paid]);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('finishes what the draining replica accepted, exits 0, and loses nothing', async () => {
    const login = await fetch(`${gateways[1].url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };

    // The test's own load balancer: round robin over the replicas it still believes in; a
    // replica that refuses a connection or answers "closing" is taken out, and the job is
    // sent to the other one, as a real balancer would after the failed readiness probe.
    const inRotation = new Set([0, 1]);
    let next = 0;
    const pick = (exclude?: number) => {
      const candidates = [...inRotation].filter((r) => r !== exclude);
      const pool = candidates.length > 0 ? candidates : [...inRotation];
      next += 1;
      return pool[next % pool.length];
    };

    const call = async (job: Job, replica: number) => {
      try {
        const res = await fetch(`${gateways[replica].url}/messages`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${accessToken}`,
            'content-type': 'application/json',
            'x-request-id': `${job.id}-${job.attempts.length}`,
          },
          body: JSON.stringify({ text: job.id }),
        });
        const body = await res.text();
        if (res.status === 200) return { kind: 'ok' as const };
        if (res.status === 503 && body.includes(CLOSING_BODY)) {
          return { kind: 'refused' as const, detail: '503 closing' };
        }
        return { kind: 'error' as const, status: res.status, detail: body.slice(0, 200) };
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
        // Nothing reached the app: the listener was already closed.
        if (code === 'ECONNREFUSED') return { kind: 'refused' as const, detail: code };
        return { kind: 'error' as const, detail: code };
      }
    };
    const send = async (job: Job, replica: number): Promise<Attempt> => {
      const at = Date.now();
      const attempt = await call(job, replica);
      return { ...attempt, replica, at, doneAt: Date.now() };
    };

    const jobs: Job[] = [];
    let running = true;
    const client = async (n: number) => {
      for (let i = 0; running; i += 1) {
        const job: Job = { id: `drain-${n}-${i}`, attempts: [] };
        jobs.push(job);
        let replica = pick();
        for (let tries = 0; tries < 3; tries += 1) {
          const attempt = await send(job, replica);
          job.attempts.push(attempt);
          if (attempt.kind === 'ok') break;
          inRotation.delete(replica);
          if (inRotation.size === 0) inRotation.add(1 - replica);
          replica = pick(replica);
        }
      }
    };

    const load = Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    await new Promise((r) => setTimeout(r, 1500));
    const draining = gateways[0];
    const sigtermAt = Date.now();
    const exitCode = draining.stop('SIGTERM');
    const exitedAt = exitCode.then(() => Date.now());
    await new Promise((r) => setTimeout(r, 2000));
    running = false;
    await load;

    expect(await exitCode).toBe(0);
    expect((await exitedAt) - sigtermAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);

    const attempts = jobs.flatMap((job) => job.attempts);
    const errors = attempts.filter((a) => a.kind === 'error');
    // A connection reset is only "clean" when the app never saw the request: no access line.
    const seen = new Set(
      draining.lines
        .map((line) => JSON.parse(line) as { msg?: string; reqId?: string })
        .filter((line) => line.msg === 'request')
        .map((line) => line.reqId),
    );
    const failed = jobs.flatMap((job) =>
      job.attempts
        .map((attempt, i) => ({ attempt, reqId: `${job.id}-${i}` }))
        .filter(({ attempt }) => attempt.kind === 'error')
        .filter(({ attempt, reqId }) => attempt.replica !== 0 || seen.has(reqId)),
    );
    expect(failed).toEqual([]);
    expect(errors.filter((a) => a.replica === 1)).toEqual([]);
    expect(jobs.every((job) => job.attempts.at(-1)?.kind === 'ok')).toBe(true);

    // The drained replica really had work in flight at the signal, and finished all of it.
    const inFlight = attempts.filter(
      (a) => a.replica === 0 && a.at < sigtermAt && a.doneAt > sigtermAt,
    );
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.filter((a) => a.kind !== 'ok')).toEqual([]);
    expect(attempts.filter((a) => a.replica === 1 && a.kind === 'ok').length).toBeGreaterThan(10);
    const log = draining.lines.join('\n');
    expect(log).toContain('"msg":"draining"');
    expect(log).toContain('"msg":"stopped"');
  });
  it('every other app also finishes an in-flight request, then refuses connections and exits 0', async () => {
    // The gateways may have used up the free provider's 1 s window in the test before.
    await new Promise((r) => setTimeout(r, 1100));
    const inFlight = (app: AppProcess, path: string, body: unknown, headers = {}) =>
      fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const cases = [
      { app: free, request: inFlight(free, '/v1/messages', { text: 'last one' }) },
      {
        app: paid,
        request: inFlight(
          paid,
          '/v1/messages',
          { text: 'last one' },
          { 'x-api-key': 'dev-paid-key' },
        ),
      },
      { app: users, request: inFlight(users, '/auth/login', ADMIN) },
    ];
    // The providers answer after LATENCY_MS: the signal lands while the request is running.
    await new Promise((r) => setTimeout(r, 50));
    const exits = cases.map(({ app }) => app.stop('SIGTERM'));
    for (const { request } of cases) expect((await request).status).toBe(200);
    expect(await Promise.all(exits)).toEqual([0, 0, 0]);
    for (const { app } of cases) {
      await expect(fetch(`${app.url}/health`)).rejects.toMatchObject({
        cause: { code: 'ECONNREFUSED' },
      });
    }
  });
});
