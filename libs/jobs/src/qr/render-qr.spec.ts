import { UnprocessableError } from '@app/http';
import jsQR from 'jsqr';
import { performance } from 'node:perf_hooks';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { QrJobDto, type QrEcLevel } from './qr.dto';
import { closeQrRenderer, renderQr } from './render-qr';

function job(fields: Partial<QrJobDto> & { data: string }): QrJobDto {
  return Object.assign(new QrJobDto(), fields);
}

function decodePng(bytes: Buffer): { text: string; width: number; height: number } {
  const png = PNG.sync.read(bytes);
  const pixels = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  const code = jsQR(pixels, png.width, png.height);
  if (!code) throw new Error('no QR code found in the image');
  return { text: code.data, width: png.width, height: png.height };
}

afterAll(() => closeQrRenderer());

describe('renderQr', () => {
  const cases: Array<[string, number, QrEcLevel, number]> = [
    ['https://example.com/', 64, 'L', 2],
    ['hello world', 256, 'M', 4],
    ['SPRING-SALE-7F3K-2QXM-9ABD-R', 128, 'Q', 2],
    ['Grüße aus Köln — 東京 👋🏽 ﬁ', 300, 'H', 4],
    ['0123456789'.repeat(20), 512, 'M', 1],
    ['x'.repeat(1200), 1024, 'H', 4],
    ['é'.repeat(1000), 1024, 'L', 0],
    ['a'.repeat(2048), 1024, 'L', 8],
  ];

  it.each(cases)(
    'renders a PNG that decodes back to exactly its data (%#)',
    async (data, size, ecLevel, margin) => {
      const image = await renderQr(job({ data, size, ecLevel, margin }));
      expect(image.contentType).toBe('image/png');
      expect(image.bytes.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
      const decoded = decodePng(image.bytes);
      expect(decoded.text).toBe(data);
      expect(decoded.width).toBe(size);
      expect(decoded.height).toBe(size);
    },
  );

  it('applies the defaults: PNG, 256 px, level M, margin 4', async () => {
    const dto = job({ data: 'defaults' });
    expect(dto).toMatchObject({ format: 'png', size: 256, ecLevel: 'M', margin: 4 });
    const decoded = decodePng((await renderQr(dto)).bytes);
    expect(decoded).toEqual({ text: 'defaults', width: 256, height: 256 });
  });

  it('renders an SVG of the same code with the requested size', async () => {
    const data = 'Grüße 👋';
    const image = await renderQr(job({ data, format: 'svg', size: 200, ecLevel: 'Q', margin: 3 }));
    expect(image.contentType).toBe('image/svg+xml');
    const svg = image.bytes.toString('utf8');
    const modules = QRCode.create(data, { errorCorrectionLevel: 'Q' }).modules.size;
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="200" height="200"/);
    expect(svg).toContain(`viewBox="0 0 ${modules + 6} ${modules + 6}"`);
  });

  it('refuses data too long for the level with 422 qr-data-too-long', async () => {
    // 1,200 bytes fit at level H (max 1,273), 1,300 do not; level L takes 2,953.
    await expect(
      renderQr(job({ data: 'x'.repeat(1300), size: 1024, ecLevel: 'H' })),
    ).rejects.toMatchObject({
      code: 'qr-data-too-long',
      status: 422,
    });
    await expect(
      renderQr(job({ data: 'x'.repeat(1300), size: 1024, ecLevel: 'H' })),
    ).rejects.toBeInstanceOf(UnprocessableError);
    await expect(
      renderQr(job({ data: 'x'.repeat(1300), size: 1024, ecLevel: 'L' })),
    ).resolves.toBeDefined();
  });

  it('refuses a size too small to scan with 422 qr-size-too-small', async () => {
    const tooSmall = renderQr(job({ data: 'x'.repeat(500), size: 64 }));
    await expect(tooSmall).rejects.toMatchObject({ code: 'qr-size-too-small', status: 422 });
    await expect(tooSmall).rejects.toThrow(/at least \d+ px/);
  });

  it('keeps the event loop free while rendering large PNGs', async () => {
    const big = job({ data: 'x'.repeat(1200), size: 1024, ecLevel: 'H' });
    // The worker module itself, run on this thread: what rendering without the pool would cost.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const renderInProcess = require('./qr.worker.cjs') as (job: QrJobDto) => unknown;
    await renderQr(big); // start and warm the worker

    // The longest gap between ticks of a 1 ms interval: how long the event loop was stuck.
    const maxEventLoopDelayMs = async (work: () => Promise<unknown>) => {
      let last = performance.now();
      let max = 0;
      const ticker = setInterval(() => {
        const now = performance.now();
        max = Math.max(max, now - last);
        last = now;
      }, 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
      [max, last] = [0, performance.now()];
      await work();
      await new Promise((resolve) => setTimeout(resolve, 10));
      clearInterval(ticker);
      return max;
    };
    // Four requests arriving together: in-process they run back to back on the event loop.
    const inProcessMs = await maxEventLoopDelayMs(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      for (let i = 0; i < 4; i++) renderInProcess(big);
    });
    const pooledMs = await maxEventLoopDelayMs(() =>
      Promise.all([0, 1, 2, 3].map(() => renderQr(big))),
    );
    process.stdout.write(
      `QR 1024 px level H, 4 at once: max event-loop delay in-process ${inProcessMs.toFixed(1)} ms, ` +
        `worker pool ${pooledMs.toFixed(1)} ms\n`,
    );
    expect(pooledMs).toBeLessThan(inProcessMs / 2);
  });
});
