import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Fields added to this request's single access-log line (user, route, reason...). */
    logContext?: Record<string, unknown>;
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';

// Echo a caller's id only when it is short and plain, so it cannot forge log lines.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

export function addLogContext(request: FastifyRequest, fields: Record<string, unknown>): void {
  request.logContext = { ...request.logContext, ...fields };
}
