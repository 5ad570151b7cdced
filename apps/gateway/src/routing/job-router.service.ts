import { APP_CONFIG } from '@app/config';
import type { AuthenticatedUser, JobOrigin, ProviderName } from '@app/contracts';
import { COST_HEADER, RATE_LIMIT_HEADERS } from '@app/jobs';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayConfig } from '../gateway.config';
import type { JobRequest } from '../providers/job-answer';
import { FreeProviderClient, PaidProviderClient } from '../providers/provider-clients';
import type {
  ProviderFailure,
  ProviderOutcome,
  ProviderSuccess,
} from '../providers/provider-outcome';
import {
  FreeQuotaService,
  type QuotaDecision,
  type ReservationMode,
} from '../quota/free-quota.service';
import { RetryBudget } from './retry-budget';
import { RouteEvents, type RouteReason } from './route-events';
import {
  NoIdleFreeCapacityError,
  FreeQuotaExhaustedError,
  FreeUnavailableError,
  PaidUnavailableError,
  QuotaStoreUnavailableError,
  UpstreamClientError,
} from './routing.errors';

export interface RouteContext {
  user: AuthenticatedUser;
  /** Names the job in events; sync requests use their request id. */
  jobId: string;
  origin: JobOrigin;
  requestId?: string;
  /** From `Prefer: wait=N`: how long the caller would rather wait for free than pay. */
  waitMs?: number;
  /** Background work uses only the share of a window live traffic does not need. */
  mode?: ReservationMode;
  /** Stock refills and async jobs that may wait: free or nothing, the caller decides next. */
  freeOnly?: boolean;
  /** Sent as Idempotency-Key, so a job retried after a crash is not done (or billed) twice. */
  idempotencyKey?: string;
  /** Adds the route's provider and reason to the request's access-log line, refusals too. */
  annotate?: (fields: Record<string, unknown>) => void;
}

export interface RoutedJob {
  provider: ProviderName;
  reason: RouteReason;
  value: unknown;
  costMicros: number;
}

/** A retry of free needs at least this much of the request's free timeout left. */
const MIN_FREE_RETRY_MS = 200;

type Denial = Extract<QuotaDecision, { granted: false }>;

const DENIAL_REASONS: Record<Denial['reason'], RouteReason> = {
  exhausted: 'quota-exhausted',
  blocked: 'free-blocked',
  'circuit-open': 'free-circuit-open',
};

/** A header as one string, whatever undici handed over. */
function header(headers: Record<string, string | string[] | undefined>, name: string) {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * DESIGN.md's routing rules: reserve a free slot; free when granted; otherwise paid for
 * paid plans and a 429 for free plans; failures of free count towards the shared circuit
 * and fail over; client errors pass through; Redis down means paid or 503, never a wait.
 */
@Injectable()
export class JobRouter {
  private readonly logger = new Logger(JobRouter.name);
  private readonly retries = new RetryBudget();
  /** This replica counted a failure of free that a later success should clear. */
  private failuresPending = false;
  /** The newest window this replica has resynchronised (see resyncFromFree). */
  private syncedWindow = -1;

  constructor(
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
    private readonly quota: FreeQuotaService,
    private readonly free: FreeProviderClient,
    private readonly paid: PaidProviderClient,
    private readonly events: RouteEvents,
  ) {}

  async route(request: JobRequest, context: RouteContext): Promise<RoutedJob> {
    this.retries.recordRequest();
    const deadline = Date.now() + (context.waitMs ?? 0);
    let freeAttempts = 0;
    // The free leg of one request, retry included, takes at most one free timeout.
    let freeDeadline: number | undefined;
    for (;;) {
      const decision = await this.reserve(context.mode ?? 'sync');
      if (decision === 'redis-down')
        return this.fallback(request, context, 'redis-unavailable', 1000);
      if (!decision.granted) {
        const reason = DENIAL_REASONS[decision.reason];
        const wait = decision.retryAfterMs;
        if (Date.now() + wait <= deadline) {
          // Spread the waiters over a few ms so they do not all hit Redis at once.
          await sleep(wait + Math.floor(Math.random() * 20));
          continue;
        }
        return this.fallback(request, context, reason, wait);
      }

      freeAttempts += 1;
      freeDeadline ??= Date.now() + this.config.FREE_TIMEOUT_MS;
      const outcome = await this.free.call(
        request,
        context.requestId,
        context.idempotencyKey,
        Math.max(MIN_FREE_RETRY_MS, freeDeadline - Date.now()),
      );
      const reason: RouteReason = decision.probe ? 'free-probe' : 'free-quota';
      this.resyncFromFree(decision, outcome);
      if (outcome.type === 'success' && (decision.probe || this.failuresPending)) {
        // Awaited: the caller must not hear back before every replica can see free is
        // healthy again (the Redis writes of a turn leave after its responses).
        this.failuresPending = false;
        await this.quota.recordRecovery().catch((error: unknown) => this.warn('recovery', error));
      }
      switch (outcome.type) {
        case 'success':
          return this.served(request, context, outcome, reason);
        case 'client-error':
          this.record(request, context, 'free', 'client-error', reason, 0, 0);
          throw new UpstreamClientError(outcome);
        case 'rate-limited': {
          const blockMs = outcome.retryAfterMs ?? this.config.FREE_DEFAULT_COOLDOWN_MS;
          await this.quota.block(blockMs).catch((error: unknown) => this.warn('block', error));
          this.record(request, context, 'free', 'refused', 'free-rate-limited', 0, 0);
          return this.fallback(request, context, 'free-rate-limited', blockMs);
        }
        case 'failure': {
          this.record(request, context, 'free', 'failure', reason, outcome.latencyMs, 0, outcome);
          const opened = await this.quota.recordFailure().catch(() => false);
          this.failuresPending = true;
          if (context.user.plan === 'paid') {
            return this.fallback(request, context, 'free-failed', 0);
          }
          const backoff = 50 + Math.floor(Math.random() * 100);
          if (
            !opened &&
            freeAttempts < 2 &&
            freeDeadline - Date.now() - backoff >= MIN_FREE_RETRY_MS &&
            this.retries.tryRetry()
          ) {
            await sleep(backoff);
            continue;
          }
          throw new FreeUnavailableError(this.config.FREE_CIRCUIT_PROBE_INTERVAL_MS);
        }
      }
    }
  }

  private async reserve(mode: ReservationMode): Promise<QuotaDecision | 'redis-down'> {
    try {
      return await this.quota.reserve(mode);
    } catch (error) {
      this.warn('reserve', error);
      return 'redis-down';
    }
  }

  /** Resynchronises the shared quota model from a free answer, off the hot path. */
  private resyncFromFree(
    grant: Extract<QuotaDecision, { granted: true }>,
    outcome: ProviderOutcome<unknown>,
  ): void {
    const { headers } = outcome;
    if (headers && outcome.type !== 'rate-limited') {
      const remaining = Number(header(headers, RATE_LIMIT_HEADERS.remaining));
      const resetMs = Number(header(headers, RATE_LIMIT_HEADERS.resetMs));
      // Once a window is synced its end is exact and its count only grows through us, so
      // later answers of that window change nothing; each replica resyncs a window once
      // (saving a Redis round trip per request) and 1 answer in 16 after that, in case
      // somebody else uses the free account. Answers of older windows always go through:
      // they drive the carry and misalignment rules.
      const current = grant.windowId >= this.syncedWindow;
      const needed = grant.windowId > this.syncedWindow || Math.random() < 1 / 16;
      if (Number.isFinite(remaining) && Number.isFinite(resetMs) && (!current || needed)) {
        if (current) this.syncedWindow = grant.windowId;
        this.quota
          .sync(grant, { remaining, resetMs })
          .catch((error: unknown) => this.warn('sync', error));
      }
    }
  }

  /** Free cannot take the job: paid plans go to paid, free plans get a clean refusal. */
  private async fallback(
    request: JobRequest,
    context: RouteContext,
    reason: RouteReason,
    retryAfterMs: number,
  ): Promise<RoutedJob> {
    if (context.freeOnly) throw new NoIdleFreeCapacityError(reason, retryAfterMs);
    if (context.user.plan !== 'paid') {
      this.record(request, context, null, 'refused', reason, 0, 0);
      if (reason === 'redis-unavailable') throw new QuotaStoreUnavailableError();
      if (reason === 'free-failed' || reason === 'free-circuit-open') {
        throw new FreeUnavailableError(retryAfterMs);
      }
      throw new FreeQuotaExhaustedError(retryAfterMs, reason);
    }
    return this.routeToPaid(request, context, reason);
  }

  /** Serves a paid-plan job on paid now: the async worker's choice when waiting would miss a deadline. */
  async routeToPaid(
    request: JobRequest,
    context: RouteContext,
    reason: RouteReason,
  ): Promise<RoutedJob> {
    const call = () => this.paid.call(request, context.requestId, context.idempotencyKey);
    let outcome = await call();
    if (outcome.type === 'failure' || outcome.type === 'rate-limited') {
      this.record(
        request,
        context,
        'paid',
        'failure',
        reason,
        0,
        0,
        outcome.type === 'failure' ? outcome : undefined,
      );
      if (this.retries.tryRetry()) {
        await sleep(50 + Math.floor(Math.random() * 100));
        outcome = await call();
      }
    }
    switch (outcome.type) {
      case 'success':
        return this.served(request, context, outcome, reason);
      case 'client-error':
        this.record(request, context, 'paid', 'client-error', reason, 0, 0);
        throw new UpstreamClientError(outcome);
      case 'rate-limited':
        this.record(request, context, 'paid', 'failure', reason, 0, 0);
        throw new PaidUnavailableError('it is rate limiting us');
      case 'failure':
        this.record(request, context, 'paid', 'failure', reason, outcome.latencyMs, 0, outcome);
        throw new PaidUnavailableError(outcome.detail);
    }
  }

  private served(
    request: JobRequest,
    context: RouteContext,
    outcome: ProviderSuccess<unknown>,
    reason: RouteReason,
  ): RoutedJob {
    const cost = Number(header(outcome.headers, COST_HEADER) ?? 0);
    const costMicros = Number.isFinite(cost) ? cost : 0;
    this.record(
      request,
      context,
      outcome.provider,
      'success',
      reason,
      outcome.latencyMs,
      costMicros,
    );
    return { provider: outcome.provider, reason, value: outcome.value, costMicros };
  }

  private record(
    request: JobRequest,
    context: RouteContext,
    provider: ProviderName | null,
    outcome: 'success' | 'client-error' | 'failure' | 'refused',
    reason: RouteReason,
    latencyMs: number,
    costMicros: number,
    failure?: ProviderFailure,
  ): void {
    context.annotate?.({ provider: provider ?? 'none', reason, outcome });
    this.events.emit({
      kind: request.kind,
      provider,
      outcome,
      reason,
      latencyMs,
      costMicros,
      userId: context.user.id,
      plan: context.user.plan,
      requestId: context.requestId,
      jobId: context.jobId,
      origin: context.origin,
      failure: failure?.kind,
    });
  }

  private warn(step: string, error: unknown): void {
    this.logger.warn(
      `quota ${step} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
