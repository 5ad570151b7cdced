import { APP_CONFIG } from '@app/config';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import type { GatewayConfig } from '../gateway.config';
import { JobProcessor } from './job-processor';
import { JOBS_QUEUE, startWorker, type QueuedJob, type RunningWorker } from './job-queue';
import { JobStore } from './job-store';

/**
 * BullMQ workers inside the gateway process (GATEWAY_MODE all or worker). A worker that
 * dies mid-job stops renewing its lock; after JOBS_LOCK_MS another worker runs the job
 * again, and the processor's idempotency makes that harmless. On shutdown the worker
 * stops taking jobs and finishes the active ones (bounded by SHUTDOWN_TIMEOUT_MS).
 */
@Injectable()
export class JobWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobWorker.name);
  private running: RunningWorker | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
    private readonly processor: JobProcessor,
    private readonly store: JobStore,
  ) {}

  onModuleInit(): void {
    this.running = startWorker(
      this.config,
      JOBS_QUEUE,
      (job, token) => this.processor.process(job, token),
      {
        concurrency: this.config.JOBS_CONCURRENCY,
        lockDuration: this.config.JOBS_LOCK_MS,
        stalledInterval: Math.max(500, Math.floor(this.config.JOBS_LOCK_MS / 2)),
        maxStalledCount: 3,
      },
      this.logger,
    );
    this.running.worker.on('failed', (job, error) => void this.onFailed(job, error));
  }

  private async onFailed(job: Job<QueuedJob> | undefined, error: Error): Promise<void> {
    if (!job) return;
    const last =
      error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    this.logger.warn(`job ${job.data.id} attempt ${job.attemptsMade} failed: ${error.message}`);
    if (!last) {
      await this.store
        .transition(job.data.id, ['running'], { status: 'queued' })
        .catch(() => undefined);
      return;
    }
    const record = await this.store.get(job.data.id).catch(() => null);
    if (record) await this.processor.fail(record, error.message, null).catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.running?.stop();
  }
}
