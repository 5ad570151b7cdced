import type { AuthenticatedUser } from '@app/contracts';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '@app/http';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CampaignStore } from '../campaigns/campaign-store';
import type { IssueCouponsDto } from '../coupons/coupons.dto';
import { EventsPublisher } from '../events/events-publisher';
import { validatePayload } from './job-payload';
import { JobQueues } from './job-queue';
import type { JobRecord } from './job-record';
import { JobStore } from './job-store';
import { JobStateDto, type CreateJobDto, type JobAcceptedDto } from './jobs.dto';

/** BullMQ retries transient failures; quota waits are not failures and do not use these. */
export const JOB_ATTEMPTS = 5;

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    private readonly store: JobStore,
    private readonly queues: JobQueues,
    private readonly events: EventsPublisher,
    private readonly campaigns: CampaignStore,
  ) {}

  /** A job is accepted only once it is both recorded and queued: 202 never loses a job. */
  async accept(dto: CreateJobDto, user: AuthenticatedUser): Promise<JobAcceptedDto> {
    const payload = validatePayload(dto.kind, dto.payload);
    if (
      dto.kind === 'coupon' &&
      (await this.campaigns.state((payload as IssueCouponsDto).campaign))
    ) {
      // Campaign coupons come from the campaign's stock under its limit, which only the
      // synchronous path enforces today; an async job must not bypass the limit.
      throw new ConflictError(
        'campaign-coupons-are-sync',
        'Coupons of a campaign are issued with POST /coupons, which takes them from the campaign stock.',
      );
    }
    const id = randomUUID();
    const now = Date.now();
    try {
      const record: JobRecord = {
        id,
        kind: dto.kind,
        owner: user.id,
        ownerEmail: user.email,
        plan: user.plan,
        role: user.role,
        status: 'queued',
        payload: { ...payload },
        deadlineAt: dto.deadlineMs === undefined ? null : now + dto.deadlineMs,
        callbackUrl: dto.callbackUrl ?? null,
        seq: await this.store.nextSeq(),
        createdAt: now,
        startedAt: null,
        finishedAt: null,
        attempts: 0,
        provider: null,
        reason: null,
        result: null,
        error: null,
        deferredUntil: null,
        callback: dto.callbackUrl ? 'pending' : 'none',
      };
      await this.store.create(record);
      await this.queues.jobs.add(
        dto.kind,
        { id },
        {
          jobId: id,
          attempts: JOB_ATTEMPTS,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      );
    } catch (error) {
      this.logger.warn(
        `job not accepted: ${error instanceof Error ? error.message : String(error)}`,
      );
      await this.store.remove(id).catch(() => undefined);
      throw new ServiceUnavailableError(
        'queue-unavailable',
        'The job queue cannot be reached; nothing was accepted.',
        1000,
      );
    }
    this.events.publish({
      type: 'JOB_ACCEPTED',
      jobId: id,
      kind: dto.kind,
      userId: user.id,
      origin: 'async',
      plan: user.plan,
      deadlineMs: dto.deadlineMs ?? null,
    });
    return { id, status: 'queued' };
  }

  /** The owner and admins see a job; anyone else gets the same 404 as for no job. */
  async get(id: string, user: AuthenticatedUser): Promise<JobStateDto> {
    return JobStateDto.from(await this.visible(id, user));
  }

  async cancel(id: string, user: AuthenticatedUser): Promise<JobStateDto> {
    const record = await this.visible(id, user);
    const result = await this.store.transition(id, ['queued', 'deferred'], {
      status: 'cancelled',
      finishedAt: Date.now(),
      error: 'cancelled by the caller',
    });
    if (result !== 'ok') {
      throw new ConflictError(
        'job-not-cancellable',
        `The job is ${result}; only queued or deferred jobs can be cancelled.`,
      );
    }
    // Best effort: a worker that picks it up anyway sees "cancelled" and does nothing.
    await this.queues.jobs.remove(id).catch(() => 0);
    return JobStateDto.from({ ...record, status: 'cancelled', error: 'cancelled by the caller' });
  }

  private async visible(id: string, user: AuthenticatedUser): Promise<JobRecord> {
    const record = await this.store.get(id);
    if (!record || (record.owner !== user.id && user.role !== 'admin')) {
      throw new NotFoundError(`No job ${id}.`);
    }
    return record;
  }
}
