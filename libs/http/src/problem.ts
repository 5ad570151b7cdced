import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DomainError, type FieldError } from './domain-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface Problem {
  body: ProblemDocument;
  headers: Record<string, string>;
  /** True when the server failed: the cause is logged, never sent. */
  internal: boolean;
}

export function problemType(code: string): string {
  return `urn:spillway:problem:${code}`;
}

function titleOf(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** Errors Fastify raises itself, before a route handler runs. */
const FASTIFY_ERRORS: Record<string, { code: string; detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported-media-type',
    detail: 'Send the body as application/json.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'body-too-large', detail: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed-json', detail: 'The body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'malformed-json',
    detail: 'The body is empty but the content type says JSON.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'bad-content-length',
    detail: 'Content-Length does not match the body.',
  },
};

interface ErrorWithStatus {
  statusCode?: unknown;
  status?: unknown;
  code?: unknown;
}

function fastifyStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode } = error as ErrorWithStatus;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600
    ? statusCode
    : undefined;
}

/** True for a 4xx error raised by Fastify itself (parser, body size, content type). */
export function isFastifyClientError(error: unknown): boolean {
  const status = fastifyStatus(error);
  return status !== undefined && status < 500 && !(error instanceof HttpException);
}

function fromFastify(error: unknown): Problem | undefined {
  const status = fastifyStatus(error);
  if (status === undefined || status >= 500) return undefined;
  const { code } = error as ErrorWithStatus;
  // A JSON syntax error from the parser carries status 400 without a FST code.
  const known =
    (typeof code === 'string' ? FASTIFY_ERRORS[code] : undefined) ??
    (status === 400 && error instanceof SyntaxError
      ? FASTIFY_ERRORS.FST_ERR_CTP_INVALID_JSON_BODY
      : undefined);
  return {
    body: {
      type: known ? problemType(known.code) : 'about:blank',
      title: titleOf(status),
      status,
      detail: known?.detail ?? titleOf(status),
    },
    headers: {},
    internal: false,
  };
}

/** Maps anything thrown into an RFC 9457 problem. Unknown errors become an opaque 500. */
export function toProblem(error: unknown): Problem {
  if (error instanceof DomainError) {
    return {
      body: {
        type: problemType(error.code),
        title: error.title,
        status: error.status,
        ...(error.detail === undefined ? {} : { detail: error.detail }),
        ...error.extensions,
      },
      headers: error.headers,
      internal: error.status >= 500 && error.status !== 502 && error.status !== 503,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? response.message
        : response;
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    return {
      body: {
        type: status === 404 ? problemType('not-found') : 'about:blank',
        title: titleOf(status),
        status,
        detail: status >= 500 ? 'An unexpected error occurred. It has been logged.' : detail,
      },
      headers: {},
      internal: status >= 500,
    };
  }
  return (
    fromFastify(error) ?? {
      body: {
        type: 'about:blank',
        title: titleOf(500),
        status: 500,
        detail: 'An unexpected error occurred. It has been logged.',
      },
      headers: {},
      internal: true,
    }
  );
}
