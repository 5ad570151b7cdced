import {
  isValidCouponCode,
  type CouponBatch,
  type MessageAnalysis,
  type PaidProviderUsage,
} from '@app/jobs';
import { startApp, stopAll, type AppProcess } from '@app/testing';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

const KEY = 'e2e-paid-key-0123456789';
const PRICES = { message: 7, coupon: 11, qr: 13 };

function post(app: AppProcess, path: string, body: unknown, key?: string): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'x-api-key': key }),
    },
    body: JSON.stringify(body),
  });
}

async function usage(app: AppProcess): Promise<PaidProviderUsage> {
  const res = await fetch(`${app.url}/v1/usage`, { headers: { 'x-api-key': KEY } });
  expect(res.status).toBe(200);
  return (await res.json()) as PaidProviderUsage;
}

describe('paid provider', () => {
  let paid: AppProcess;
  let free: AppProcess;

  beforeAll(async () => {
    [paid, free] = await Promise.all([
      startApp('paid-provider', {
        env: {
          PAID_PROVIDER_API_KEY: KEY,
          PAID_LATENCY_MS: 100,
          PAID_PRICE_MESSAGE_MICROS: PRICES.message,
          PAID_PRICE_COUPON_MICROS: PRICES.coupon,
          PAID_PRICE_QR_MICROS: PRICES.qr,
        },
      }),
      startApp('free-provider', { env: { FREE_QUOTA_LIMIT: 1000 } }),
    ]);
  });

  afterAll(() => stopAll([paid, free]));

  it.each([
    ['no key', undefined],
    ['a wrong key of the same length', KEY.replace(/.$/, 'X')],
    ['a wrong key of another length', 'dev-paid-key'],
    ['an empty key', ''],
  ])('answers 401 problem+json to %s, costing nothing', async (_, key) => {
    for (const path of ['/v1/messages', '/v1/coupons', '/v1/qr']) {
      const res = await post(paid, path, { text: 'hi', campaign: 'x', data: 'x' }, key);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('x-cost-micros')).toBe('0');
      expect(await res.json()).toMatchObject({ type: 'urn:spillway:problem:invalid-api-key' });
    }
    const headers = key === undefined ? undefined : { 'x-api-key': key };
    expect((await fetch(`${paid.url}/v1/usage`, { headers })).status).toBe(401);
  });

  it('runs jobs with the right key, bills each in X-Cost-Micros and adds them up in usage', async () => {
    const before = await usage(paid);
    expect(before).toEqual({
      calls: 0,
      costMicros: 0,
      byKind: {
        message: { calls: 0, costMicros: 0 },
        coupon: { calls: 0, costMicros: 0 },
        qr: { calls: 0, costMicros: 0 },
      },
    });

    const started = Date.now();
    const message = await post(paid, '/v1/messages', { text: 'Paid, but the same.' }, KEY);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(message.status).toBe(200);
    expect(message.headers.get('x-cost-micros')).toBe('7');
    const fromFree = await post(free, '/v1/messages', { text: 'Paid, but the same.' });
    expect((await message.json()) as MessageAnalysis).toEqual(await fromFree.json());

    const coupons = await post(paid, '/v1/coupons', { campaign: 'spring-sale', count: 4 }, KEY);
    expect(coupons.status).toBe(200);
    expect(coupons.headers.get('x-cost-micros')).toBe(String(4 * PRICES.coupon));
    const batch = (await coupons.json()) as CouponBatch;
    expect(batch.codes).toHaveLength(4);
    expect(batch.codes.every(isValidCouponCode)).toBe(true);

    const qr = await post(paid, '/v1/qr', { data: 'paid QR ✓', size: 200 }, KEY);
    expect(qr.status).toBe(200);
    expect(qr.headers.get('content-type')).toBe('image/png');
    expect(qr.headers.get('x-cost-micros')).toBe('13');
    const bytes = Buffer.from(await qr.arrayBuffer());
    const png = PNG.sync.read(bytes);
    const pixels = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength);
    expect(jsQR(pixels, png.width, png.height)?.data).toBe('paid QR ✓');
    const freeQr = await post(free, '/v1/qr', { data: 'paid QR ✓', size: 200 });
    expect(Buffer.from(await freeQr.arrayBuffer())).toEqual(bytes);

    const svg = await post(paid, '/v1/qr', { data: 'svg', format: 'svg' }, KEY);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('x-cost-micros')).toBe('13');

    // Failures are answered with their problem and cost nothing.
    const invalid = await post(paid, '/v1/coupons', { campaign: 'x', count: 101 }, KEY);
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-cost-micros')).toBe('0');
    const tooLong = await post(paid, '/v1/qr', { data: 'x'.repeat(1300), ecLevel: 'H' }, KEY);
    expect(tooLong.status).toBe(422);
    expect(tooLong.headers.get('x-cost-micros')).toBe('0');

    expect(await usage(paid)).toEqual({
      calls: 4,
      costMicros: 7 + 44 + 13 + 13,
      byKind: {
        message: { calls: 1, costMicros: 7 },
        coupon: { calls: 1, costMicros: 44 },
        qr: { calls: 2, costMicros: 26 },
      },
    });
  });
});
