import type { JobKind } from '@app/contracts';
import {
  isValidCouponCode,
  QR_CONTENT_TYPES,
  type CouponBatch,
  type MessageAnalysis,
  type QrFormat,
  type QrImage,
} from '@app/jobs';

/** What a job request asks for, so the answer can be checked against it. */
export type JobRequest =
  | { kind: 'message'; body: { text: string } }
  | { kind: 'coupon'; body: { campaign: string; count: number } }
  | {
      kind: 'qr';
      body: { data: string; format: QrFormat; size: number; ecLevel: string; margin: number };
    };

export type JobValue<K extends JobKind> = K extends 'message'
  ? MessageAnalysis
  : K extends 'coupon'
    ? CouponBatch
    : QrImage;

export class MalformedAnswer extends Error {
  constructor(
    readonly kind: 'malformed' | 'wrong-content-type',
    detail: string,
  ) {
    super(detail);
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const SHA256_HEX = /^[0-9a-f]{64}$/;

function parseJson(contentType: string, body: Buffer): unknown {
  if (!contentType.startsWith('application/json')) {
    throw new MalformedAnswer('wrong-content-type', `expected JSON, got "${contentType}"`);
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new MalformedAnswer('malformed', 'the JSON body does not parse');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Turns a 2xx answer into the job's value, or throws MalformedAnswer. A provider that
 * answers 200 with the wrong thing has failed: its answer is never passed on as success.
 */
export function readJobAnswer(request: JobRequest, contentType: string, body: Buffer): unknown {
  switch (request.kind) {
    case 'message': {
      const value = parseJson(contentType, body);
      if (
        !isRecord(value) ||
        typeof value.characters !== 'number' ||
        typeof value.words !== 'number' ||
        typeof value.lines !== 'number' ||
        typeof value.sha256 !== 'string' ||
        !SHA256_HEX.test(value.sha256) ||
        typeof value.normalized !== 'string'
      ) {
        throw new MalformedAnswer('malformed', 'the message analysis is incomplete');
      }
      return value;
    }
    case 'coupon': {
      const value = parseJson(contentType, body);
      const codes = isRecord(value) ? value.codes : undefined;
      if (
        !isRecord(value) ||
        value.campaign !== request.body.campaign ||
        !Array.isArray(codes) ||
        codes.length !== request.body.count ||
        !codes.every((code) => typeof code === 'string' && isValidCouponCode(code))
      ) {
        throw new MalformedAnswer('malformed', 'the coupon batch does not match the request');
      }
      return value;
    }
    case 'qr': {
      const expected = QR_CONTENT_TYPES[request.body.format];
      if (!contentType.startsWith(expected)) {
        throw new MalformedAnswer(
          'wrong-content-type',
          `expected ${expected}, got "${contentType}"`,
        );
      }
      const valid =
        request.body.format === 'png'
          ? body.subarray(0, 8).equals(PNG_SIGNATURE) && body.subarray(-8).equals(PNG_END)
          : body.toString('utf8', 0, 256).includes('<svg') &&
            body.toString('utf8').trimEnd().endsWith('</svg>');
      if (!valid)
        throw new MalformedAnswer(
          'malformed',
          'the image is not a complete ' + request.body.format,
        );
      return { contentType: expected, bytes: body } satisfies QrImage;
    }
  }
}
