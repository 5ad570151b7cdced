import { APP_CONFIG } from '@app/config';
import { createRedisClient } from '@app/redis';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@nestjs/common';
import { Queue, Worker, type ConnectionOptions, type Processor, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../gateway.config';

export const JOBS_QUEUE = 'jobs';
export const CALLBACKS_QUEUE = 'job-callbacks';

export interface QueuedJob {
  id: string;
}

/** BullMQ keys live under REDIS_KEY_PREFIX too: `<prefix>bull:<queue>:...`. */
export function bullPrefix(config: GatewayConfig): string {
  return `${config.REDIS_KEY_PREFIX}bull`;
}

/**
 * Connections for BullMQ. Workers block and retry, as BullMQ requires.
 */
export function workerConnection(config: GatewayConfig, name: string): Redis {
  return createRedisClient(config, name, undefined, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    commandTimeout: undefined,
  });
}

@Injectable()
export class JobQueues implements OnApplicationShutdown {
  readonly connection: Redis;
  readonly jobs: Queue<QueuedJob>;
  readonly callbacks: Queue<QueuedJob>;

  constructor(@Inject(APP_CONFIG) config: GatewayConfig) {
    // BullMQ checks the Redis version as soon as a queue is built, before a fail-fast client
    // is connected; so the producer may queue commands while (re)connecting, and the
    // command timeout still bounds how long a POST /jobs can wait on a dead Redis.
    this.connection = createRedisClient(config, 'queue-producer', undefined, {
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
    });
    const options = {
      connection: this.connection as unknown as ConnectionOptions,
      prefix: bullPrefix(config),
      skipWaitingForReady: true,
    };
    this.jobs = new Queue<QueuedJob>(JOBS_QUEUE, options);
    this.callbacks = new Queue<QueuedJob>(CALLBACKS_QUEUE, options);
    // Errors surface on the calls that fail; the emitter must not crash the process.
    this.jobs.on('error', () => undefined);
    this.callbacks.on('error', () => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.jobs.close(), this.callbacks.close()]);
    this.connection.disconnect();
  }
}

/**
 * Lets active jobs finish, but not past most of the drain budget: with Redis gone BullMQ's
 * close never resolves, and the process must still exit. An unfinished job's lock lapses
 * and another worker runs it again (at least once).
 */
export async function closeWorker(worker: Worker, shutdownTimeoutMs: number): Promise<void> {
  const budget = Math.max(100, shutdownTimeoutMs - 1000);
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    worker.close().then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), budget);
    }),
  ]).catch(() => false);
  clearTimeout(timer);
  if (!closed)
    await Promise.race([worker.close(true), new Promise((r) => setTimeout(r, 500))]).catch(
      () => undefined,
    );
}

/** A worker on its own blocking connection, stopped with the bounded close above. */
export interface RunningWorker {
  worker: Worker<QueuedJob>;
  stop(): Promise<void>;
}

export function startWorker(
  config: GatewayConfig,
  queue: string,
  processor: Processor<QueuedJob>,
  options: Omit<WorkerOptions, 'connection' | 'prefix'>,
  logger: Logger,
): RunningWorker {
  const connection = workerConnection(config, `${queue}-worker`);
  const worker = new Worker<QueuedJob>(queue, processor, {
    ...options,
    connection,
    prefix: bullPrefix(config),
  });
  worker.on('error', (error) => logger.warn(`${queue} worker: ${error.message}`));
  return {
    worker,
    stop: async () => {
      await closeWorker(worker, config.SHUTDOWN_TIMEOUT_MS);
      connection.disconnect();
    },
  };
}
