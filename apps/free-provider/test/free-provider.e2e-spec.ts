import {
  analyzeMessage,
  isValidCouponCode,
  type CouponBatch,
  type FreeProviderStats,
  type MessageAnalysis,
} from '@app/jobs';
import { startApp, stopAll, type AppProcess } from '@app/testing';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function post(app: AppProcess, path: string, body: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function stats(app: AppProcess): Promise<FreeProviderStats> {
  return (await (await fetch(`${app.url}/v1/stats`)).json()) as FreeProviderStats;
}

function rateLimit(res: Response) {
  const header = (name: string) => {
    const value = res.headers.get(name);
    if (value === null) throw new Error(`${name} missing on ${res.status}`);
    return Number(value);
  };
  const limits = {
    limit: header('ratelimit-limit'),
    remaining: header('ratelimit-remaining'),
    reset: header('ratelimit-reset'),
    resetMs: header('x-ratelimit-reset-ms'),
  };
  expect(limits.reset).toBe(Math.ceil(limits.resetMs / 1000));
  return limits;
}

describe('free provider quota (limit 5, window 1.5 s, block 2.5 s)', () => {
  let app: AppProcess;

  beforeAll(async () => {
    // The block outlasts the window by about a second, so the test can probe the time between.
    app = await startApp('free-provider', {
      env: { FREE_QUOTA_LIMIT: 5, FREE_QUOTA_WINDOW_MS: 1500, FREE_BLOCK_MS: 2500 },
    });
  });

  afterAll(() => stopAll([app]));

  it('accepts 5, rejects the 6th, blocks, then opens a new window after the block', async () => {
    const fresh = await fetch(`${app.url}/health`);
    expect(rateLimit(fresh)).toEqual({ limit: 5, remaining: 5, reset: 0, resetMs: 0 });
    expect(await stats(app)).toMatchObject({ accepted: 0, windowOpenedAt: null });

    const startedAt = Date.now();
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(app, '/v1/messages', { text: `hello ${i}` });
      expect(res.status).toBe(200);
      const limits = rateLimit(res);
      expect(limits.limit).toBe(5);
      expect(limits.resetMs).toBeGreaterThan(0);
      expect(limits.resetMs).toBeLessThanOrEqual(1500);
      remaining.push(limits.remaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const window = await stats(app);
    expect(window).toMatchObject({ accepted: 5, rejected: 0, windowCount: 5, blockedUntil: null });
    expect(window.windowOpenedAt).toBeGreaterThanOrEqual(startedAt - 5);

    const sixth = await post(app, '/v1/messages', { text: 'one too many' });
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get('content-type')).toContain('application/problem+json');
    const sixthLimits = rateLimit(sixth);
    expect(sixthLimits.remaining).toBe(0);
    // Blocked for FREE_BLOCK_MS from now, which is later than the window's end.
    expect(sixthLimits.resetMs).toBeGreaterThan(2400);
    expect(sixthLimits.resetMs).toBeLessThanOrEqual(2500);
    expect(Number(sixth.headers.get('retry-after'))).toBe(Math.ceil(sixthLimits.resetMs / 1000));
    expect(await sixth.json()).toMatchObject({
      type: 'urn:spillway:problem:free-quota-exceeded',
      status: 429,
      retryAfterMs: sixthLimits.resetMs,
    });
    const blocked = await stats(app);
    expect(blocked).toMatchObject({ accepted: 5, rejected: 1 });
    expect(blocked.blockedUntil).toBeGreaterThan(window.windowOpenedAt! + 1500);

    // Every request in the block is refused, whatever the kind, valid or not, even after the
    // window itself has ended.
    const during: Array<[string, unknown]> = [
      ['/v1/messages', { text: 'still blocked' }],
      ['/v1/coupons', { campaign: 'spring', count: 2 }],
      ['/v1/qr', { data: 'blocked' }],
      ['/v1/messages', { text: '' }],
    ];
    for (const [path, body] of during) {
      const res = await post(app, path, body);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(rateLimit(res).remaining).toBe(0);
    }
    await sleep(window.windowOpenedAt! + 1500 - Date.now() + 20);
    const sentAt = Date.now();
    const afterWindow = await post(app, '/v1/messages', { text: 'window over, block not' });
    expect(afterWindow.status).toBe(429);
    expect(rateLimit(afterWindow).resetMs).toBeGreaterThan(0);
    expect(rateLimit(afterWindow).resetMs).toBeLessThanOrEqual(blocked.blockedUntil! - sentAt);
    expect(await stats(app)).toMatchObject({
      accepted: 5,
      rejected: 6,
      windowOpenedAt: null,
      windowCount: 0,
      blockedUntil: blocked.blockedUntil,
    });

    await sleep(blocked.blockedUntil! - Date.now() + 20);
    const reopened = await post(app, '/v1/messages', { text: 'free again' });
    expect(reopened.status).toBe(200);
    expect(rateLimit(reopened)).toMatchObject({ remaining: 4, reset: 2 });
    const after = await stats(app);
    expect(after).toMatchObject({ accepted: 6, rejected: 6, windowCount: 1, blockedUntil: null });
    expect(after.windowOpenedAt).toBeGreaterThanOrEqual(blocked.blockedUntil!);

    // Reading the stats never counted.
    expect((await stats(app)).accepted).toBe(6);
  });
});

describe('free provider: what counts', () => {
  let app: AppProcess;

  beforeAll(async () => {
    app = await startApp('free-provider', {
      env: { FREE_QUOTA_LIMIT: 3, FREE_QUOTA_WINDOW_MS: 60_000, FREE_BLOCK_MS: 60_000 },
    });
  });

  afterAll(() => stopAll([app]));

  it('counts invalid job requests at admission, before validation, and nothing else', async () => {
    const invalid = await post(app, '/v1/coupons', { campaign: 'Not A Slug', count: 0 });
    expect(invalid.status).toBe(400);
    expect(rateLimit(invalid).remaining).toBe(2);
    const problem = (await invalid.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((error) => error.field).sort()).toEqual(['campaign', 'count']);

    const malformed = await post(app, '/v1/messages', '{"text": ');
    expect(malformed.status).toBe(400);
    expect(rateLimit(malformed).remaining).toBe(1);

    for (const path of ['/health', '/v1/stats', '/docs-json', '/no/such/route']) {
      const res = await fetch(`${app.url}${path}`);
      expect(rateLimit(res).remaining).toBe(1);
    }
    const wrongMethod = await fetch(`${app.url}/v1/messages`);
    expect(wrongMethod.status).toBe(404);
    expect(rateLimit(wrongMethod).remaining).toBe(1);
    expect(await stats(app)).toMatchObject({ accepted: 2, rejected: 0, windowCount: 2 });
  });
});

describe('free provider jobs', () => {
  let app: AppProcess;

  beforeAll(async () => {
    app = await startApp('free-provider', {
      env: { FREE_QUOTA_LIMIT: 1000, FREE_LATENCY_MS: 150 },
    });
  });

  afterAll(() => stopAll([app]));

  it('analyses a message after the configured latency', async () => {
    const started = Date.now();
    const res = await post(app, '/v1/messages', { text: 'Hello,  World!\nBye.' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as MessageAnalysis;
    expect(body).toEqual(analyzeMessage({ text: 'Hello,  World!\nBye.' }));
    expect(body).toMatchObject({ words: 3, lines: 2, normalized: 'hello, world! bye.' });
  });

  it('generates valid coupon codes', async () => {
    const res = await post(app, '/v1/coupons', { campaign: 'spring-sale', count: 5 });
    expect(res.status).toBe(200);
    const batch = (await res.json()) as CouponBatch;
    expect(batch.campaign).toBe('spring-sale');
    expect(batch.codes).toHaveLength(5);
    for (const code of batch.codes) {
      expect(code).toMatch(/^SPRING-SALE-(?:[0-9A-Z]{4}-){3}[0-9A-Z]$/);
      expect(isValidCouponCode(code)).toBe(true);
    }
    const single = (await (
      await post(app, '/v1/coupons', { campaign: 'q3' })
    ).json()) as CouponBatch;
    expect(single.codes).toHaveLength(1);
  });

  it('answers a QR PNG with its bytes, decodable back to the data', async () => {
    const data = 'https://example.com/ünïcode?q=👋';
    const res = await post(app, '/v1/qr', { data, size: 300, ecLevel: 'Q' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([300, 300]);
    const pixels = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength);
    expect(jsQR(pixels, png.width, png.height)?.data).toBe(data);
  });

  it('answers a QR SVG with image/svg+xml', async () => {
    const res = await post(app, '/v1/qr', { data: 'svg please', format: 'svg', size: 128 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(await res.text()).toMatch(/^<svg [^>]*width="128" height="128"/);
  });

  it('refuses data too long for the level with 422 and bad fields with 400', async () => {
    const tooLong = await post(app, '/v1/qr', { data: 'x'.repeat(1300), ecLevel: 'H', size: 1024 });
    expect(tooLong.status).toBe(422);
    expect(tooLong.headers.get('content-type')).toContain('application/problem+json');
    expect(await tooLong.json()).toMatchObject({ type: 'urn:spillway:problem:qr-data-too-long' });

    const bad = await post(app, '/v1/qr', { data: '', format: 'gif', size: 2000, ecLevel: 'X' });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { errors: Array<{ field: string }> };
    expect(new Set(problem.errors.map((error) => error.field))).toEqual(
      new Set(['data', 'format', 'size', 'ecLevel']),
    );

    const tooBig = await post(app, '/v1/messages', { text: 'x'.repeat(10_001) });
    expect(tooBig.status).toBe(400);
  });
});
