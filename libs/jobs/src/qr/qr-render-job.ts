import type { QrEcLevel, QrFormat } from './qr.dto';

/** What the main thread sends to the QR worker (qr.worker.cjs). */
export interface QrRenderJob {
  data: string;
  format: QrFormat;
  size: number;
  ecLevel: QrEcLevel;
  margin: number;
}

/** The worker's answer: expected refusals are values, since Error classes do not cross threads. */
export type QrRenderOutcome =
  | { outcome: 'rendered'; bytes: Uint8Array }
  | { outcome: 'data-too-long' }
  | { outcome: 'size-too-small'; minSize: number };
