import { APP_CONFIG } from '@app/config';
import {
  EVENT_FIELD,
  EVENT_VERSION,
  type ProviderName,
  type NewSpillwayEvent,
  type SpillwayEvent,
} from '@app/contracts';
import { REDIS, RedisKeyspace } from '@app/redis';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../gateway.config';
import { RouteEvents, type RouteRecord } from '../routing/route-events';

const FLUSH_EVERY_MS = 25;
const MAX_BATCH = 500;
/** Beyond this many unsent events (Redis down) the oldest are dropped, not the process. */
const MAX_BUFFER = 20_000;

export function eventsStreamKey(keys: RedisKeyspace): string {
  return keys.key('events');
}

/**
 * Puts lifecycle events on the Redis Stream. Events are buffered and written in one
 * pipeline every few milliseconds, so the request path never waits on XADD.
 */
@Injectable()
export class EventsPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventsPublisher.name);
  private readonly stream: string;
  private buffer: SpillwayEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lastProvider: ProviderName | null = null;
  private dropped = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    keys: RedisKeyspace,
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
    private readonly routes: RouteEvents,
  ) {
    this.stream = eventsStreamKey(keys);
  }

  onModuleInit(): void {
    this.routes.subscribe((record) => this.onRoute(record));
  }

  /** Queues an event; `type`-specific fields come from the caller. */
  publish(event: NewSpillwayEvent): void {
    this.buffer.push({ version: EVENT_VERSION, at: Date.now(), ...event });
    if (this.buffer.length > MAX_BUFFER) {
      this.dropped += this.buffer.length - MAX_BUFFER;
      this.buffer = this.buffer.slice(-MAX_BUFFER);
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushing.then(() => this.flush());
    }, FLUSH_EVERY_MS);
  }

  private onRoute(record: RouteRecord): void {
    const base = {
      jobId: record.jobId,
      kind: record.kind,
      userId: record.userId,
      origin: record.origin,
    };
    this.publish({
      ...base,
      type: 'JOB_ROUTED',
      provider: record.provider,
      outcome: record.outcome,
      reason: record.reason,
      latencyMs: Math.round(record.latencyMs * 10) / 10,
      costMicros: record.costMicros,
    });
    if (record.outcome !== 'success' || record.provider === null) return;
    if (this.lastProvider !== null && this.lastProvider !== record.provider) {
      this.publish({
        ...base,
        type: 'ROUTE_SWITCHED',
        from: this.lastProvider,
        to: record.provider,
        reason: record.reason,
      });
    }
    this.lastProvider = record.provider;
  }

  private async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, MAX_BATCH);
      const pipeline = this.redis.pipeline();
      for (const event of batch) {
        pipeline.xadd(
          this.stream,
          'MAXLEN',
          '~',
          this.config.EVENTS_MAX_LEN,
          '*',
          EVENT_FIELD,
          JSON.stringify(event),
        );
      }
      try {
        await pipeline.exec();
        this.buffer.splice(0, batch.length);
      } catch (error) {
        // Redis is away: keep the events and try again shortly.
        this.logger.warn(
          `events not written yet: ${error instanceof Error ? error.message : String(error)}`,
        );
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.flushing = this.flushing.then(() => this.flush());
        }, 1000);
        return;
      }
    }
    if (this.dropped > 0) {
      this.logger.warn(`${this.dropped} events dropped while Redis was unreachable`);
      this.dropped = 0;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushing;
    await this.flush();
  }
}
