import { isValidCouponCode, type FreeProviderStats, type PaidProviderUsage } from '@app/jobs';
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
 * The coupon stock (issue 6): a campaign's stock fills from idle free quota only, a burst
 * larger than the free quota is served from it without a provider call, and it refills on
 * free afterwards; campaign counts are exact and the limit holds.
 */

const ADMIN = { email: 'stock-admin@spillway.test', password: 'stock-admin-pass-1' };
const FREE_LIMIT = 5;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

interface Campaign {
  slug: string;
  prefix: string;
  limit: number;
  stockTarget: number;
  issued: number;
  redeemed: number;
  inStock: number;
}

interface IssuedCoupon {
  code: string;
  campaign: string;
  qr?: string;
}

describe('coupon stock and campaigns (real users, free, paid and gateway processes)', () => {
  const prefix = uniquePrefix('coupon-stock');
  let redis: Redis;
  let users: AppProcess;
  let free: AppProcess;
  let paid: AppProcess;
  let gateway: AppProcess;
  /** A second, worker-only replica: refills compete for the per-campaign lease. */
  let worker: AppProcess;
  let adminToken: string;
  let userToken: string;

  async function call(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<Answer> {
    const res = await fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  async function login(credentials: { email: string; password: string }): Promise<string> {
    const answer = await call('POST', '/auth/login', undefined, credentials);
    expect(answer.status).toBe(200);
    return answer.body.accessToken as string;
  }

  async function providerCounts(): Promise<{ paidCalls: number; freeRejected: number }> {
    const [usage, stats] = await Promise.all([
      fetch(`${paid.url}/v1/usage`, { headers: { 'x-api-key': 'dev-paid-key' } }).then(
        (res) => res.json() as Promise<PaidProviderUsage>,
      ),
      fetch(`${free.url}/v1/stats`).then((res) => res.json() as Promise<FreeProviderStats>),
    ]);
    return { paidCalls: usage.calls, freeRejected: stats.rejected };
  }

  async function campaign(slug: string): Promise<Campaign> {
    const answer = await call('GET', `/campaigns/${slug}`, adminToken);
    expect(answer.status).toBe(200);
    return answer.body as unknown as Campaign;
  }

  async function waitForStock(slug: string, inStock: number, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await campaign(slug);
      if (state.inStock === inStock) return state;
      if (Date.now() > deadline) throw new Error(`stock of ${slug} stuck at ${state.inStock}`);
      await sleep(100);
    }
  }

  function issue(slug: string, count: number, qr = false, token = adminToken) {
    return call('POST', '/coupons', token, { campaign: slug, count, qr });
  }

  beforeAll(async () => {
    redis = testRedis();
    const quota = { FREE_QUOTA_LIMIT: FREE_LIMIT, FREE_QUOTA_WINDOW_MS: 1000 };
    [users, free, paid] = await Promise.all([
      startApp('users', {
        env: { REDIS_KEY_PREFIX: prefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      }),
      startApp('free-provider', { env: { ...quota, FREE_BLOCK_MS: 5000 } }),
      startApp('paid-provider'),
    ]);
    const gatewayEnv = {
      ...quota,
      REDIS_KEY_PREFIX: prefix,
      USERS_URL: users.url,
      FREE_PROVIDER_URL: free.url,
      PAID_PROVIDER_URL: paid.url,
      JOBS_SYNC_SHARE_PERCENT: 20,
      USER_RATE_LIMIT_PER_MIN: 100_000,
      LOG_LEVEL: 'warn',
    };
    [gateway, worker] = await Promise.all([
      startApp('gateway', { env: gatewayEnv }),
      startApp('gateway', { env: { ...gatewayEnv, GATEWAY_MODE: 'worker' } }),
    ]);
    adminToken = await login(ADMIN);
    const credentials = { email: `stock-user-${Date.now()}@example.com`, password: 'pass-word-1' };
    expect((await call('POST', '/auth/register', undefined, credentials)).status).toBe(201);
    userToken = await login(credentials);
  });

  afterAll(async () => {
    await stopAll([gateway, worker, users, free, paid]);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('lets only admins create and read campaigns, validates the body, refuses a duplicate', async () => {
    const body = { slug: 'rules', prefix: 'rules', limit: 10, stockTarget: 0 };
    expect((await call('POST', '/campaigns', undefined, body)).status).toBe(401);
    const forbidden = await call('POST', '/campaigns', userToken, body);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');

    const created = await call('POST', '/campaigns', adminToken, body);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      slug: 'rules',
      prefix: 'RULES',
      limit: 10,
      stockTarget: 0,
      issued: 0,
      redeemed: 0,
      inStock: 0,
    });
    const duplicate = await call('POST', '/campaigns', adminToken, { ...body, prefix: 'OTHER' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.type).toMatch(/campaign-exists$/);

    for (const [bad, field] of [
      [{ ...body, slug: 'Not A Slug' }, 'slug'],
      [{ ...body, slug: 'p1', prefix: 'no_underscores' }, 'prefix'],
      [{ ...body, slug: 'p2', limit: 0 }, 'limit'],
      [{ ...body, slug: 'p3', limit: 5, stockTarget: 6 }, 'stockTarget'],
      [{ slug: 'p4', prefix: 'P4', limit: 5 }, 'stockTarget'],
    ] as const) {
      const refused = await call('POST', '/campaigns', adminToken, bad);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field })]),
      );
    }

    expect((await call('GET', '/campaigns/rules', userToken)).status).toBe(403);
    expect((await call('GET', '/campaigns/no-such-campaign', adminToken)).status).toBe(404);
  });

  it('fills the stock from idle free quota, serves a burst beyond the quota from it, refills on free', async () => {
    const slug = 'spring';
    const created = await call('POST', '/campaigns', adminToken, {
      slug,
      prefix: 'Spring',
      limit: 100,
      stockTarget: 30,
    });
    expect(created.status).toBe(201);
    await waitForStock(slug, 30);
    expect(await providerCounts()).toEqual({ paidCalls: 0, freeRejected: 0 });

    // A stocked code is reserved deployment-wide but belongs to nobody yet.
    const [stocked] = await redis.lrange(`${prefix}campaign:${slug}:stock`, 0, 0);
    const stockedCode = (JSON.parse(stocked) as { code: string }).code;
    expect((await call('GET', `/coupons/${stockedCode}`, adminToken)).status).toBe(404);
    expect((await call('POST', `/coupons/${stockedCode}/redeem`, adminToken)).status).toBe(404);

    // Five times the free quota of a window, at once, from a paid-plan admin.
    const burst = await Promise.all(Array.from({ length: 25 }, () => issue(slug, 1, true)));
    expect(burst.map((answer) => answer.status)).toEqual(Array(25).fill(201));
    const codes = new Set<string>();
    for (const answer of burst) {
      expect(answer.headers.get('x-provider')).toBe('free');
      expect(answer.headers.get('x-coupon-source')).toBe('stock');
      expect(answer.body).toMatchObject({ kind: 'coupon', provider: 'free', source: 'stock' });
      for (const coupon of answer.body.coupons as IssuedCoupon[]) {
        expect(coupon.campaign).toBe(slug);
        expect(coupon.code).toMatch(/^SPRING-/);
        expect(isValidCouponCode(coupon.code)).toBe(true);
        expect(coupon.qr).toMatch(/^data:image\/png;base64,/);
        codes.add(coupon.code);
      }
    }
    expect(codes.size).toBe(25);
    expect(await providerCounts()).toEqual({ paidCalls: 0, freeRejected: 0 });

    const refilled = await waitForStock(slug, 30);
    expect(refilled).toMatchObject({ issued: 25, redeemed: 0, inStock: 30, limit: 100 });
    expect(await providerCounts()).toEqual({ paidCalls: 0, freeRejected: 0 });

    // Without qr the stock answer carries no image.
    const plain = await issue(slug, 2);
    expect(plain.status).toBe(201);
    expect(plain.body.coupons).toEqual([
      { code: expect.stringMatching(/^SPRING-/) as string, campaign: slug },
      { code: expect.stringMatching(/^SPRING-/) as string, campaign: slug },
    ]);
    expect((await campaign(slug)).issued).toBe(27);
  });

  it('keeps exact counts, refuses issuing past the limit with 409, counts redemptions once', async () => {
    const slug = 'tiny';
    expect(
      (
        await call('POST', '/campaigns', adminToken, {
          slug,
          prefix: 'TINY',
          limit: 3,
          stockTarget: 2,
        })
      ).status,
    ).toBe(201);
    await waitForStock(slug, 2);

    const first = await issue(slug, 2, false, userToken);
    expect(first.status).toBe(201);
    expect(first.headers.get('x-coupon-source')).toBe('stock');
    // Only one more fits under the limit, so the stock refills to one, not two.
    await waitForStock(slug, 1);
    await sleep(300);
    expect(await campaign(slug)).toMatchObject({ issued: 2, inStock: 1, redeemed: 0 });

    const over = await issue(slug, 2, false, userToken);
    expect(over.status).toBe(409);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    expect(over.body).toMatchObject({ status: 409, available: 1 });
    expect(over.body.type).toMatch(/campaign-limit-reached$/);

    const last = await issue(slug, 1, false, userToken);
    expect(last.status).toBe(201);
    expect((await issue(slug, 1, false, userToken)).status).toBe(409);
    expect(await campaign(slug)).toMatchObject({ issued: 3, inStock: 0, redeemed: 0 });

    const [code] = (first.body.coupons as IssuedCoupon[]).map((coupon) => coupon.code);
    expect((await call('POST', `/coupons/${code}/redeem`, userToken)).status).toBe(200);
    expect((await call('POST', `/coupons/${code}/redeem`, userToken)).status).toBe(409);
    expect(await campaign(slug)).toMatchObject({ issued: 3, redeemed: 1, inStock: 0 });
  });

  it('issues live against the limit when the stock cannot cover a request', async () => {
    const slug = 'live-only';
    const body = { slug, prefix: 'LIVE', limit: 3, stockTarget: 0 };
    expect((await call('POST', '/campaigns', adminToken, body)).status).toBe(201);

    const live = await issue(slug, 2);
    expect(live.status).toBe(201);
    expect(live.headers.get('x-coupon-source')).toBe('live');
    expect(live.body.source).toBe('live');
    for (const coupon of live.body.coupons as IssuedCoupon[]) {
      expect(coupon).toEqual({ code: expect.stringMatching(/^LIVE-/) as string, campaign: slug });
    }
    // Concurrent requests for more than is left: exactly one more coupon is issued.
    const racing = await Promise.all([issue(slug, 1), issue(slug, 1), issue(slug, 1)]);
    expect(racing.map((answer) => answer.status).sort()).toEqual([201, 409, 409]);
    expect(await campaign(slug)).toMatchObject({ issued: 3, inStock: 0 });
    const [first] = live.body.coupons as IssuedCoupon[];
    const state = await call('GET', `/coupons/${first.code}`, adminToken);
    expect(state.body).toMatchObject({ campaign: slug, status: 'issued' });
  });

  it('holds the limit for a live issue in flight until it commits or its reservation lapses', async () => {
    const slug = 'held';
    const body = { slug, prefix: 'HELD', limit: 2, stockTarget: 0 };
    expect((await call('POST', '/campaigns', adminToken, body)).status).toBe(201);
    // What a replica that died mid-call leaves behind: one code held for another minute.
    const pending = `${prefix}campaign:${slug}:pending`;
    await redis.hset(pending, 'crashed', `1:${Date.now() + 60_000}`);
    expect((await issue(slug, 2)).status).toBe(409);
    expect((await issue(slug, 1)).status).toBe(201);
    expect((await issue(slug, 1)).status).toBe(409);

    // Once it lapses, the held code is free again and the lapsed entry is dropped.
    await redis.hset(pending, 'crashed', `1:${Date.now() - 1}`);
    expect((await issue(slug, 1)).status).toBe(201);
    expect(await redis.hexists(pending, 'crashed')).toBe(0);
    expect(await campaign(slug)).toMatchObject({ issued: 2, inStock: 0 });
  });
});
