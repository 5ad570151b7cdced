import { Registry } from '@app/metrics';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { JobQueues } from './job-queue';

/** A scrape must never hang on a dead Redis. */
const COUNT_TIMEOUT_MS = 500;

/**
 * Queue depth for the whole deployment (the queue lives in Redis): aggregate with max(),
 * not sum(). `delayed` holds deferred jobs waiting for free quota and retries in backoff.
 */
@Injectable()
export class JobMetrics implements OnModuleInit {
  constructor(
    private readonly registry: Registry,
    private readonly queues: JobQueues,
  ) {}

  onModuleInit(): void {
    const queues = this.queues;
    new Gauge({
      name: 'spillway_jobs_queue_depth',
      help: 'Async jobs in the shared queue by BullMQ state (waiting, delayed = deferred or backing off, active, failed).',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = await Promise.race([
          queues.jobs.getJobCounts('waiting', 'delayed', 'active', 'failed'),
          new Promise<null>((resolve) => setTimeout(() => resolve(null), COUNT_TIMEOUT_MS).unref()),
        ]).catch(() => null);
        this.reset();
        if (!counts) return;
        for (const [state, value] of Object.entries(counts)) this.set({ state }, value);
      },
    });
  }
}
