import type { AuthenticatedUser } from '@app/contracts';
import { addLogContext } from '@app/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteContext, RoutedJob } from './job-router.service';

export const PROVIDER_HEADER = 'X-Provider';
const MAX_WAIT_S = 30;

/** `Prefer: wait=N` (RFC 7240), capped at 30 s. */
export function preferredWaitMs(request: FastifyRequest): number | undefined {
  const prefer = request.headers.prefer;
  const match = /(?:^|[,;\s])wait=(\d+)/i.exec(
    Array.isArray(prefer) ? prefer.join(',') : (prefer ?? ''),
  );
  if (!match) return undefined;
  return Math.min(Number(match[1]), MAX_WAIT_S) * 1000;
}

export function routeContext(request: FastifyRequest, user: AuthenticatedUser): RouteContext {
  return {
    user,
    jobId: request.id,
    origin: 'sync',
    requestId: request.id,
    waitMs: preferredWaitMs(request),
    annotate: (fields) => addLogContext(request, fields),
  };
}

/** Every job response says who served it, and the log line says why. */
export function announceRoute(
  request: FastifyRequest,
  reply: FastifyReply,
  context: RouteContext,
  routed: RoutedJob,
): void {
  void reply.header(PROVIDER_HEADER, routed.provider);
  if (context.waitMs !== undefined)
    void reply.header('Preference-Applied', `wait=${context.waitMs / 1000}`);
  addLogContext(request, { provider: routed.provider, reason: routed.reason });
}
