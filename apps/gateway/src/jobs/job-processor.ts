import type { ProviderName } from '@app/contracts';
import type { CouponBatch, MessageJobDto, QrImage, QrJobDto } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { presentCoupon } from '../coupons/coupon-qr';
import { CouponStore } from '../coupons/coupon-store';
import type { IssueCouponsDto } from '../coupons/coupons.dto';
import { EventsPublisher } from '../events/events-publisher';
import type { JobRequest } from '../providers/job-answer';
import { JobRouter, type RouteContext, type RoutedJob } from '../routing/job-router.service';
import { NoIdleFreeCapacityError, UpstreamClientError } from '../routing/routing.errors';
import { JobQueues, type QueuedJob } from './job-queue';
import type { JobRecord } from './job-record';
import { JobStore } from './job-store';

/** Time a job needs once it runs on free: waiting must leave this much before the deadline. */
const DEADLINE_MARGIN_MS = 500;
/** Deferred jobs wake in acceptance order, spread over this many ms instead of all at once. */
const RELEASE_SPREAD_MS = 100;

function toRequest(record: JobRecord): JobRequest {
  switch (record.kind) {
    case 'message':
      return { kind: 'message', body: { text: (record.payload as MessageJobDto).text } };
    case 'coupon': {
      const { campaign, count } = record.payload as IssueCouponsDto;
      return { kind: 'coupon', body: { campaign, count } };
    }
    case 'qr': {
      const { data, format, size, ecLevel, margin } = record.payload as QrJobDto;
      return { kind: 'qr', body: { data, format, size, ecLevel, margin } };
    }
  }
}

/**
 * Runs one async job, at least once and idempotently: the job record's state machine makes
 * a finished job a no-op, providers get the job id as Idempotency-Key, and coupons are
 * stored under the job's id. Waiting for free quota is a deferral, never a failure.
 */
@Injectable()
export class JobProcessor {
  constructor(
    private readonly store: JobStore,
    private readonly router: JobRouter,
    private readonly coupons: CouponStore,
    private readonly events: EventsPublisher,
    private readonly queues: JobQueues,
  ) {}

  async process(job: Job<QueuedJob>, token?: string): Promise<void> {
    const record = await this.store.get(job.data.id);
    if (!record || !['queued', 'deferred', 'running'].includes(record.status)) return;
    const moved = await this.store.transition(record.id, ['queued', 'deferred', 'running'], {
      status: 'running',
      startedAt: record.startedAt ?? Date.now(),
      attempts: record.attempts + 1,
      deferredUntil: null,
    });
    if (moved !== 'ok') return;
    const base = {
      jobId: record.id,
      kind: record.kind,
      userId: record.owner,
      origin: 'async' as const,
    };
    this.events.publish({ ...base, type: 'JOB_STARTED', attempt: record.attempts + 1 });

    const request = toRequest(record);
    const context: RouteContext = {
      user: { id: record.owner, email: record.ownerEmail, plan: record.plan, role: record.role },
      jobId: record.id,
      origin: 'async',
      requestId: record.id,
      mode: 'background',
      freeOnly: true,
      idempotencyKey: record.id,
    };
    let routed: RoutedJob;
    try {
      routed = await this.router.route(request, context);
    } catch (error) {
      if (error instanceof NoIdleFreeCapacityError) {
        if (!this.shouldPay(record, error))
          return this.defer(job, token, record, error.retryAfterMs);
        routed = await this.router.routeToPaid(
          request,
          { ...context, freeOnly: false },
          error.reason as RoutedJob['reason'],
        );
      } else if (error instanceof UpstreamClientError) {
        await this.fail(record, error.detail ?? error.title, null);
        throw new UnrecoverableError(error.detail ?? error.title);
      } else {
        throw error;
      }
    }
    await this.finish(record, routed);
  }

  /**
   * Free is not available now. Free plans always wait. Paid plans pay at once when they gave
   * no deadline, when free is failing, or when free reopens too late for the deadline.
   */
  private shouldPay(record: JobRecord, denial: NoIdleFreeCapacityError): boolean {
    if (record.plan !== 'paid') return false;
    if (record.deadlineAt === null || denial.reason === 'free-failed') return true;
    return Date.now() + denial.retryAfterMs + DEADLINE_MARGIN_MS > record.deadlineAt;
  }

  private async defer(
    job: Job<QueuedJob>,
    token: string | undefined,
    record: JobRecord,
    waitMs: number,
  ) {
    const until = Date.now() + waitMs + (record.seq % RELEASE_SPREAD_MS);
    await this.store.transition(record.id, ['running'], {
      status: 'deferred',
      deferredUntil: until,
    });
    await job.moveToDelayed(until, token);
    throw new DelayedError();
  }

  private async finish(record: JobRecord, routed: RoutedJob): Promise<void> {
    const result = await this.present(record, routed);
    const done = await this.store.transition(record.id, ['running'], {
      status: 'done',
      provider: routed.provider,
      reason: routed.reason,
      result,
      error: null,
      finishedAt: Date.now(),
    });
    if (done !== 'ok') return;
    this.events.publish({
      type: 'JOB_FINISHED',
      jobId: record.id,
      kind: record.kind,
      userId: record.owner,
      origin: 'async',
      provider: routed.provider,
      reason: routed.reason,
      durationMs: Date.now() - record.createdAt,
    });
    await this.scheduleCallback(record);
  }

  /** Records a final failure (after the last retry, or at once for a client error). */
  async fail(record: JobRecord, message: string, provider: ProviderName | null): Promise<void> {
    const failed = await this.store.transition(record.id, ['queued', 'deferred', 'running'], {
      status: 'failed',
      error: message,
      provider,
      finishedAt: Date.now(),
    });
    if (failed !== 'ok') return;
    this.events.publish({
      type: 'JOB_FAILED',
      jobId: record.id,
      kind: record.kind,
      userId: record.owner,
      origin: 'async',
      provider,
      reason: 'failed',
      error: message,
    });
    await this.scheduleCallback(record);
  }

  private async scheduleCallback(record: JobRecord): Promise<void> {
    if (!record.callbackUrl) return;
    await this.queues.callbacks.add(
      'callback',
      { id: record.id },
      {
        jobId: `callback-${record.id}`,
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
  }

  private async present(record: JobRecord, routed: RoutedJob): Promise<unknown> {
    switch (record.kind) {
      case 'message':
        return routed.value;
      case 'qr': {
        const image = routed.value as QrImage;
        return { contentType: image.contentType, base64: image.bytes.toString('base64') };
      }
      case 'coupon': {
        const payload = record.payload as IssueCouponsDto;
        const batch = routed.value as CouponBatch;
        if (!(await this.coupons.issue(batch.codes, payload.campaign, record.owner, record.id))) {
          throw new UnrecoverableError('could not issue unique coupon codes');
        }
        return {
          coupons: await Promise.all(
            batch.codes.map((code) => presentCoupon(code, payload.campaign, payload.qr)),
          ),
        };
      }
    }
  }
}
