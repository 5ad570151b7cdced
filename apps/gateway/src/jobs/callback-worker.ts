import { APP_CONFIG } from '@app/config';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Job } from 'bullmq';
import { createHmac } from 'node:crypto';
import { request } from 'undici';
import type { GatewayConfig } from '../gateway.config';
import { CALLBACKS_QUEUE, startWorker, type QueuedJob, type RunningWorker } from './job-queue';
import { JobStore } from './job-store';
import { JobStateDto } from './jobs.dto';

export const SIGNATURE_HEADER = 'x-spillway-signature';
export const TIMESTAMP_HEADER = 'x-spillway-timestamp';
export const EVENT_HEADER = 'x-spillway-event';
const CALLBACK_TIMEOUT_MS = 5000;

/** `sha256=` + hex HMAC-SHA256 over `<timestamp>.<body>` with JOBS_CALLBACK_SECRET. */
export function signCallback(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Delivers finished jobs to their callbackUrl, retried with exponential backoff. The
 * result lives in the job record regardless, so a target that is down loses nothing.
 */
@Injectable()
export class CallbackWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CallbackWorker.name);
  private running: RunningWorker | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
    private readonly store: JobStore,
  ) {}

  onModuleInit(): void {
    this.running = startWorker(
      this.config,
      CALLBACKS_QUEUE,
      (job) => this.deliver(job),
      { concurrency: 4 },
      this.logger,
    );
    this.running.worker.on('failed', (job, error) => {
      if (!job) return;
      this.logger.warn(
        `callback for job ${job.data.id} attempt ${job.attemptsMade}: ${error.message}`,
      );
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
        void this.store.setCallbackState(job.data.id, 'failed').catch(() => undefined);
      }
    });
  }

  private async deliver(job: Job<QueuedJob>): Promise<void> {
    const record = await this.store.get(job.data.id);
    if (!record?.callbackUrl) return;
    const body = JSON.stringify(JobStateDto.from({ ...record, callback: 'delivered' }));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await request(record.callbackUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [EVENT_HEADER]: `job.${record.status}`,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signCallback(this.config.JOBS_CALLBACK_SECRET, timestamp, body),
      },
      body,
      headersTimeout: CALLBACK_TIMEOUT_MS,
      bodyTimeout: CALLBACK_TIMEOUT_MS,
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`the callback target answered ${response.statusCode}`);
    }
    await this.store.setCallbackState(record.id, 'delivered');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.running?.stop();
  }
}
