import { startApp, stopAll, uniquePrefix, type AppProcess } from '@app/testing';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const ADMIN = { email: 'admin@async.test', password: 'admin-password-1' };
const PAID_KEY = { 'x-api-key': 'dev-paid-key' };

interface JobState {
  id: string;
  status: string;
  provider: 'free' | 'paid' | null;
  reason: string | null;
  result: unknown;
  error: string | null;
  callback: string;
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function login(gateway: AppProcess, email: string, password: string, register = false) {
  const headers = { 'content-type': 'application/json' };
  const body = JSON.stringify({ email, password });
  if (register) await fetch(`${gateway.url}/auth/register`, { method: 'POST', headers, body });
  const res = await fetch(`${gateway.url}/auth/login`, { method: 'POST', headers, body });
  expect(res.status).toBe(200);
  return (await json<{ accessToken: string }>(res)).accessToken;
}

function client(gateway: AppProcess, token: string) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    submit: (job: object) =>
      fetch(`${gateway.url}/jobs`, { method: 'POST', headers, body: JSON.stringify(job) }),
    get: async (id: string) =>
      json<JobState>(await fetch(`${gateway.url}/jobs/${id}`, { headers })),
    cancel: (id: string) =>
      fetch(`${gateway.url}/jobs/${id}`, {
        method: 'DELETE',
        headers: { authorization: headers.authorization },
      }),
  };
}

async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function settle(api: ReturnType<typeof client>, ids: string[], timeoutMs: number) {
  let last: JobState[] = [];
  return waitFor(
    async () => {
      last = await Promise.all(ids.map((id) => api.get(id)));
      return last.every((s) => s.status === 'done' || s.status === 'failed') ? last : undefined;
    },
    timeoutMs,
    'jobs to finish',
  ).catch((error: Error) => {
    const summary = last.map((s) => `${s.status}/${s.provider ?? '-'}/${s.error ?? ''}`);
    throw new Error(
      `${error.message}: ${[...new Set(summary)].map((k) => `${k} x${summary.filter((x) => x === k).length}`).join(', ')}`,
    );
  });
}

async function providerCounts(free: AppProcess, paid: AppProcess) {
  const stats = await json<{ accepted: number; rejected: number }>(
    await fetch(`${free.url}/v1/stats`),
  );
  const usage = await json<{ calls: number }>(
    await fetch(`${paid.url}/v1/usage`, { headers: PAID_KEY }),
  );
  return { accepted: stats.accepted, rejected: stats.rejected, paid: usage.calls };
}

/** Users, both providers and one gateway (GATEWAY_MODE=all) on a fresh key prefix. */
async function startStack(
  freeEnv: Record<string, number>,
  gatewayEnv: Record<string, string | number> = {},
) {
  const prefix = uniquePrefix('async');
  const users = await startApp('users', {
    env: { REDIS_KEY_PREFIX: prefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
  });
  const free = await startApp('free-provider', { env: freeEnv });
  const paid = await startApp('paid-provider');
  const gateway = await startApp('gateway', {
    env: {
      REDIS_KEY_PREFIX: prefix,
      USERS_URL: users.url,
      FREE_PROVIDER_URL: free.url,
      PAID_PROVIDER_URL: paid.url,
      FREE_QUOTA_LIMIT: freeEnv.FREE_QUOTA_LIMIT,
      FREE_QUOTA_WINDOW_MS: freeEnv.FREE_QUOTA_WINDOW_MS,
      JOBS_SYNC_SHARE_PERCENT: 0,
      // These tests poll every job every 100 ms; the per-user limit is not under test here.
      USER_RATE_LIMIT_PER_MIN: 1_000_000,
      ...gatewayEnv,
    },
  });
  return { prefix, users, free, paid, gateway, all: [gateway, users, free, paid] };
}

describe('async jobs: a free plan waits for free quota', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  beforeAll(async () => {
    stack = await startStack({
      FREE_QUOTA_LIMIT: 10,
      FREE_QUOTA_WINDOW_MS: 1000,
      FREE_BLOCK_MS: 5000,
    });
  });
  afterAll(() => stopAll(stack.all));

  it('runs 50 jobs of a free-plan user on free across several windows, none paid, none failed', async () => {
    const api = client(
      stack.gateway,
      await login(stack.gateway, 'free@async.test', 'free-password-1', true),
    );
    const accepted = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.submit({ kind: 'message', payload: { text: `job ${i}` } }),
      ),
    );
    expect(accepted.map((r) => r.status)).toEqual(Array(50).fill(202));
    const ids = await Promise.all(accepted.map(async (r) => (await json<{ id: string }>(r)).id));
    expect(accepted[0].headers.get('location')).toBe(`/jobs/${ids[0]}`);
    const states = await settle(api, ids, 40_000);
    expect(states.filter((s) => s.status === 'done' && s.provider === 'free')).toHaveLength(50);
    expect(await providerCounts(stack.free, stack.paid)).toEqual({
      accepted: 50,
      rejected: 0,
      paid: 0,
    });
  });

  it('cancels a deferred job, refuses to cancel a finished one, and hides jobs from others', async () => {
    const owner = client(
      stack.gateway,
      await login(stack.gateway, 'cancel@async.test', 'free-password-1', true),
    );
    const other = client(
      stack.gateway,
      await login(stack.gateway, 'other@async.test', 'free-password-1', true),
    );
    // Use up the window so the next job has to wait.
    const fillers = await Promise.all(
      Array.from({ length: 12 }, () => owner.submit({ kind: 'message', payload: { text: 'x' } })),
    );
    const ids = await Promise.all(fillers.map(async (r) => (await json<{ id: string }>(r)).id));
    const deferred = await waitFor(
      async () => {
        const states = await Promise.all(ids.map((id) => owner.get(id)));
        return states.find((s) => s.status === 'deferred');
      },
      10_000,
      'a deferred job',
    );
    expect((await owner.cancel(deferred.id)).status).toBe(200);
    expect((await owner.get(deferred.id)).status).toBe('cancelled');
    const finished = await settle(
      owner,
      ids.filter((id) => id !== deferred.id),
      20_000,
    );
    expect((await owner.cancel(finished[0].id)).status).toBe(409);
    const peek = await fetch(`${stack.gateway.url}/jobs/${finished[0].id}`, {
      headers: {
        authorization: `Bearer ${await login(stack.gateway, 'other@async.test', 'free-password-1')}`,
      },
    });
    expect(peek.status).toBe(404);
    expect((await other.cancel(finished[0].id)).status).toBe(404);
  });

  it('refuses invalid jobs with a problem naming the field, and accepts nothing', async () => {
    const api = client(
      stack.gateway,
      await login(stack.gateway, 'bad@async.test', 'free-password-1', true),
    );
    const bad = await api.submit({ kind: 'message', payload: { text: '', extra: 1 } });
    expect(bad.status).toBe(400);
    const problem = await json<{ errors: Array<{ field: string }> }>(bad);
    expect(problem.errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(['payload.text', 'payload.extra']),
    );
    expect((await api.submit({ kind: 'pdf', payload: {} })).status).toBe(400);
    expect(
      (await api.submit({ kind: 'message', payload: { text: 'a' }, callbackUrl: 'ftp://x' }))
        .status,
    ).toBe(400);
  });
});

describe('async jobs: deadlines decide between waiting for free and paying', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  beforeAll(async () => {
    stack = await startStack({
      FREE_QUOTA_LIMIT: 5,
      FREE_QUOTA_WINDOW_MS: 2500,
      FREE_BLOCK_MS: 5000,
    });
  });
  afterAll(() => stopAll(stack.all));

  it('waits where the deadline allows and pays exactly the minimum for the trace', async () => {
    const api = client(stack.gateway, await login(stack.gateway, ADMIN.email, ADMIN.password));
    const submit = async (count: number, deadlineMs: number) => {
      const responses = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          api.submit({ kind: 'message', payload: { text: `d${deadlineMs}-${i}` }, deadlineMs }),
        ),
      );
      return Promise.all(responses.map(async (r) => (await json<{ id: string }>(r)).id));
    };
    // Trace: 5 patient jobs fill the window; then 3 urgent jobs (free reopens only after
    // their deadline: they must pay) and 4 patient ones (free reopens in time: they wait).
    const first = await settle(api, await submit(5, 20_000), 10_000);
    expect(first.every((s) => s.provider === 'free')).toBe(true);
    const urgent = await submit(3, 300);
    const patient = await submit(4, 20_000);
    const [urgentDone, patientDone] = await Promise.all([
      settle(api, urgent, 10_000),
      settle(api, patient, 15_000),
    ]);
    expect(urgentDone.map((s) => s.provider)).toEqual(['paid', 'paid', 'paid']);
    expect(patientDone.map((s) => s.provider)).toEqual(['free', 'free', 'free', 'free']);
    // Minimum possible: the 3 urgent jobs cannot wait 2.5 s for the next window.
    expect(await providerCounts(stack.free, stack.paid)).toEqual({
      accepted: 9,
      rejected: 0,
      paid: 3,
    });
  });
});

describe('async jobs: at least once, done once', () => {
  const prefix = uniquePrefix('async-kill');
  let users: AppProcess;
  let free: AppProcess;
  let paid: AppProcess;
  let api: AppProcess;
  const workers: AppProcess[] = [];
  let workerEnvironment: Record<string, string | number> = {};
  let hook: Server;
  const deliveries: Array<{ body: string; headers: IncomingMessage['headers'] }> = [];

  beforeAll(async () => {
    users = await startApp('users', {
      env: { REDIS_KEY_PREFIX: prefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
    });
    free = await startApp('free-provider', {
      env: { FREE_QUOTA_LIMIT: 50, FREE_LATENCY_MS: 1500 },
    });
    paid = await startApp('paid-provider');
    const env = {
      REDIS_KEY_PREFIX: prefix,
      USERS_URL: users.url,
      FREE_PROVIDER_URL: free.url,
      PAID_PROVIDER_URL: paid.url,
      FREE_QUOTA_LIMIT: 50,
      JOBS_LOCK_MS: 2000,
      USER_RATE_LIMIT_PER_MIN: 1_000_000,
    };
    api = await startApp('gateway', { env: { ...env, GATEWAY_MODE: 'api' } });
    workerEnvironment = { ...env, GATEWAY_MODE: 'worker' };
    workers.push(await startApp('gateway', { env: workerEnvironment }));
    // A callback target that fails twice before it accepts.
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        deliveries.push({ body, headers: req.headers });
        res.statusCode = deliveries.length <= 2 ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await stopAll([api, ...workers, users, free, paid]);
    await new Promise((resolve) => hook.close(resolve));
  });

  it('completes a coupon job once when its worker is killed mid-job', async () => {
    const token = await login(api, ADMIN.email, ADMIN.password);
    const jobs = client(api, token);
    const { port } = hook.address() as AddressInfo;
    const res = await jobs.submit({
      kind: 'coupon',
      payload: { campaign: 'crash', count: 3 },
      callbackUrl: `http://127.0.0.1:${port}/hook`,
    });
    const { id } = await json<{ id: string }>(res);
    await waitFor(
      async () => ((await jobs.get(id)).status === 'running' ? true : undefined),
      10_000,
      'running',
    );
    // The provider is working on it (1.5 s latency): kill the worker without mercy.
    expect(await workers[0].stop('SIGKILL')).toBeNull();
    workers.push(await startApp('gateway', { env: workerEnvironment }));
    const [done] = await settle(jobs, [id], 30_000);
    expect(done).toMatchObject({ status: 'done', provider: 'free' });
    const coupons = (done.result as { coupons: Array<{ code: string }> }).coupons;
    expect(coupons).toHaveLength(3);
    for (const { code } of coupons) {
      const state = await fetch(`${api.url}/coupons/${code}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(state.status).toBe(200);
    }
    // Counted once by the provider (the retry was a replay), billed nowhere, issued once.
    expect(await providerCounts(free, paid)).toEqual({ accepted: 1, rejected: 0, paid: 0 });

    // The callback target failed twice; the job was delivered, signed, on the third try.
    await waitFor(
      async () => ((await jobs.get(id)).callback === 'delivered' ? true : undefined),
      20_000,
      'callback',
    );
    expect(deliveries).toHaveLength(3);
    const last = deliveries[2];
    const expected = createHmac('sha256', 'dev-callback-secret')
      .update(`${String(last.headers['x-spillway-timestamp'])}.${last.body}`)
      .digest('hex');
    expect(last.headers['x-spillway-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(last.body)).toMatchObject({ id, status: 'done', provider: 'free' });
  });

  it('refuses an async coupon job for a campaign, which must come from its stock and limit', async () => {
    const token = await login(api, ADMIN.email, ADMIN.password);
    const created = await fetch(`${api.url}/campaigns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'limited', prefix: 'LIM', limit: 2, stockTarget: 0 }),
    });
    expect(created.status).toBe(201);
    const res = await client(api, token).submit({
      kind: 'coupon',
      payload: { campaign: 'limited', count: 5 },
    });
    expect(res.status).toBe(409);
    expect(await json<{ type: string }>(res)).toMatchObject({
      type: 'urn:spillway:problem:campaign-coupons-are-sync',
    });
  });
});
