import { sendProblem, TooManyRequestsError } from '@app/http';
import {
  FREE_QUOTA_EXCEEDED,
  IdempotencyCache,
  PROVIDER_JOB_PATHS,
  RATE_LIMIT_HEADERS,
} from '@app/jobs';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FreeQuota, type QuotaStatus } from './free-quota';

const JOB_ROUTES = new Set<string>(Object.values(PROVIDER_JOB_PATHS));

/**
 * Admits job requests in a Fastify onRequest hook, before the body is even parsed: like a real
 * upstream's edge limiter, every job request that arrives counts, valid or not (a 400 uses a
 * slot too). So "one request sent" is "one slot used" for the gateway, whatever the outcome,
 * and its count stays exact. Every other response carries the headers without counting.
 */
@Injectable()
export class QuotaGate implements OnModuleInit {
  constructor(
    private readonly quota: FreeQuota,
    private readonly adapterHost: HttpAdapterHost,
    private readonly idempotency: IdempotencyCache,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => this.gate(request, reply, done));
  }

  private gate(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    if (request.method !== 'POST' || !JOB_ROUTES.has(request.routeOptions.url ?? '')) {
      setRateLimitHeaders(reply, this.quota.status());
      return done();
    }
    // A retry of a request already admitted (same Idempotency-Key) is replayed, not counted.
    const key = IdempotencyCache.keyOf(request);
    if (key !== null && this.idempotency.knows(key)) {
      setRateLimitHeaders(reply, this.quota.status());
      return done();
    }
    const admission = this.quota.admit();
    setRateLimitHeaders(reply, admission);
    if (admission.accepted) return done();
    const error = new TooManyRequestsError(
      FREE_QUOTA_EXCEEDED,
      'The free quota is used up; the provider is blocked until the reset.',
      admission.resetMs,
    );
    // Answered here: the request never reaches a handler (and `done` is not called).
    sendProblem(error, request, reply);
  }
}

function setRateLimitHeaders(reply: FastifyReply, status: QuotaStatus): void {
  void reply.headers({
    [RATE_LIMIT_HEADERS.limit]: String(status.limit),
    [RATE_LIMIT_HEADERS.remaining]: String(status.remaining),
    [RATE_LIMIT_HEADERS.reset]: String(Math.ceil(status.resetMs / 1000)),
    [RATE_LIMIT_HEADERS.resetMs]: String(status.resetMs),
  });
}
