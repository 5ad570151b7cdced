import { UnprocessableError } from '@app/http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { QR_CONTENT_TYPES, QR_MAX_SIZE, type QrImage, type QrJobDto } from './qr.dto';
import type { QrRenderJob, QrRenderOutcome } from './qr-render-job';

/** Leave one core to the event loop; a few threads are plenty for a simulated upstream. */
const QR_THREADS = Math.max(1, Math.min(4, availableParallelism() - 1));

let pool: Piscina<QrRenderJob, QrRenderOutcome> | undefined;

function qrPool(): Piscina<QrRenderJob, QrRenderOutcome> {
  pool ??= new Piscina<QrRenderJob, QrRenderOutcome>({
    filename: join(__dirname, 'qr.worker.cjs'),
    minThreads: 1,
    maxThreads: QR_THREADS,
    idleTimeout: 60_000,
  });
  return pool;
}

/**
 * Renders off the main thread: a 1024 px H-level PNG blocks for ~150 ms in-process (measured
 * with monitorEventLoopDelay), in the pool the event loop stays free.
 */
export async function renderQr(dto: QrJobDto): Promise<QrImage> {
  const { data, format, size, ecLevel, margin } = dto;
  const result = await qrPool().run({ data, format, size, ecLevel, margin });
  switch (result.outcome) {
    case 'rendered':
      return {
        contentType: QR_CONTENT_TYPES[format],
        bytes: Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength),
      };
    case 'data-too-long':
      throw new UnprocessableError(
        'qr-data-too-long',
        `The data does not fit in a QR code at error correction level ${ecLevel}; ` +
          'shorten it or choose a lower level.',
      );
    case 'size-too-small':
      throw new UnprocessableError(
        'qr-size-too-small',
        `This code needs a size of at least ${result.minSize} px to scan reliably ` +
          `(at most ${QR_MAX_SIZE}); raise the size or shorten the data.`,
      );
  }
}

/** Stops the worker threads (on shutdown, and after tests). */
export async function closeQrRenderer(): Promise<void> {
  const running = pool;
  pool = undefined;
  await running?.destroy();
}
