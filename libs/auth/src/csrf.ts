import type { FastifyRequest } from 'fastify';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function firstHeader(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  return raw?.split(',')[0]?.trim() || undefined;
}

/**
 * The origin the client addressed. X-Forwarded-Host/Proto are trusted here because a
 * cross-site page cannot set them on a credentialed request without a CORS preflight.
 */
export function ownOrigin(request: FastifyRequest): string | undefined {
  const host = firstHeader(request.headers['x-forwarded-host']) ?? request.headers.host;
  if (!host) return undefined;
  const proto = firstHeader(request.headers['x-forwarded-proto']) ?? request.protocol;
  return `${proto}://${host}`.toLowerCase();
}

/**
 * True for an unsafe request whose Origin header names another site than this one and
 * is not in the allow list: the shape of a cross-site request forgery.
 */
export function isForeignUnsafeRequest(
  request: FastifyRequest,
  allowedOrigins: readonly string[],
): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const origin = firstHeader(request.headers.origin)?.toLowerCase();
  if (!origin) return false;
  if (origin === ownOrigin(request)) return false;
  return !allowedOrigins.some((allowed) => allowed.replace(/\/+$/, '').toLowerCase() === origin);
}
