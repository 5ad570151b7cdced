import {
  ACCESS_TOKEN_COOKIE,
  isForeignUnsafeRequest,
  readCookie,
  REFRESH_TOKEN_COOKIE,
} from '@app/auth';
import { APP_CONFIG } from '@app/config';
import { BadGatewayError, ForbiddenError, ServiceUnavailableError } from '@app/http';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { errors, Pool } from 'undici';
import type { GatewayConfig } from '../gateway.config';

/** Request headers users needs; everything else (Origin included, see below) stays here. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'authorization',
  'content-type',
  'cookie',
  'user-agent',
];
/** Response headers a client of /auth and /users relies on. */
const RETURNED_RESPONSE_HEADERS = [
  'cache-control',
  'content-type',
  'location',
  'retry-after',
  'set-cookie',
  'www-authenticate',
];

const CONNECT_TIMEOUT_MS = 2_000;
/** Login hashes a password (~100 ms); anything near this bound means users is stuck. */
const RESPONSE_TIMEOUT_MS = 10_000;
const RETRY_AFTER_MS = 1_000;

/** Connection failures mean users is down (503); the rest mean it answered badly or too late (502). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function carriesSessionCookie(request: FastifyRequest): boolean {
  const cookies = request.headers.cookie;
  return (
    readCookie(cookies, ACCESS_TOKEN_COOKIE) !== undefined ||
    readCookie(cookies, REFRESH_TOKEN_COOKIE) !== undefined
  );
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Forwards /auth/* and /users/* to the users service over a keep-alive pool, so a client
 * needs only the gateway. Cookies pass both ways; the gateway's X-Request-Id goes along.
 */
@Injectable()
export class UsersProxy implements OnModuleDestroy {
  private readonly pool: Pool;
  private readonly allowedOrigins: readonly string[];

  constructor(@Inject(APP_CONFIG) config: GatewayConfig) {
    this.allowedOrigins = config.ALLOWED_ORIGINS;
    this.pool = new Pool(config.USERS_URL, {
      connections: 64,
      keepAliveTimeout: 10_000,
      connect: { timeout: CONNECT_TIMEOUT_MS },
      headersTimeout: RESPONSE_TIMEOUT_MS,
      bodyTimeout: RESPONSE_TIMEOUT_MS,
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.close();
  }

  async forward(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // The CSRF decision is made here, against the gateway's own origin and ALLOWED_ORIGINS;
    // users then sees no Origin, so it does not judge an origin it cannot know about.
    if (carriesSessionCookie(request) && isForeignUnsafeRequest(request, this.allowedOrigins)) {
      throw new ForbiddenError(
        'Cookie-authenticated requests from this origin are not allowed.',
        'csrf-origin-refused',
      );
    }
    let upstream;
    try {
      upstream = await this.pool.request({
        path: request.url,
        method: request.method,
        headers: this.requestHeaders(request),
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
    } catch (error) {
      throw this.failure(error);
    }
    let body: Buffer;
    try {
      body = Buffer.from(await upstream.body.arrayBuffer());
    } catch (error) {
      throw this.failure(error);
    }
    void reply.code(upstream.statusCode).headers(this.responseHeaders(upstream.headers)).send(body);
  }

  private requestHeaders(request: FastifyRequest): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const forwardedFor = firstValue(request.headers['x-forwarded-for']);
    headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${request.ip}` : request.ip;
    headers['x-forwarded-host'] =
      firstValue(request.headers['x-forwarded-host']) ?? request.headers.host ?? '';
    headers['x-forwarded-proto'] =
      firstValue(request.headers['x-forwarded-proto']) ?? request.protocol;
    headers['x-request-id'] = request.id;
    return headers;
  }

  private responseHeaders(upstream: IncomingHttpHeaders): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = {};
    for (const name of RETURNED_RESPONSE_HEADERS) {
      const value = upstream[name];
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  }

  private failure(error: unknown): Error {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
      return new ServiceUnavailableError(
        'users-unavailable',
        'The users service is not reachable.',
        RETRY_AFTER_MS,
      );
    }
    if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
      return new BadGatewayError('users-timeout', 'The users service did not answer in time.');
    }
    return new BadGatewayError('users-bad-response', 'The users service gave no usable answer.');
  }
}
