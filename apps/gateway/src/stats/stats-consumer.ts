import { APP_CONFIG } from '@app/config';
import {
  createRedisClient,
  REDIS,
  RedisKeyspace,
  waitForReady,
  type RedisClientConfig,
} from '@app/redis';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { APPLY_SCRIPT } from './stats-scripts';
import { STATS_GROUP, STATS_KEY_ROLES, statsKeys, type StatsKeys } from './stats-keys';
import { encodeUpdates, statsUpdatesFor } from './stats-updates';
import { parseEntries, readReplyEntries, replyRecord, type StreamEntry } from './stream-replies';

export interface StatsConsumerOptions {
  /** Unique among live consumers; a restart under the same name resumes its own pending. */
  consumerName: string;
  /** How long one read waits for new entries. */
  blockMs: number;
  /** Entries read, claimed and applied per round trip. */
  batchSize: number;
  /** An entry pending this long belongs to a dead consumer and is claimed. */
  claimIdleMs: number;
  /** How often abandoned entries are looked for. */
  claimEveryMs: number;
  /** Consumers with nothing pending and silent this long are removed from the group. */
  forgetIdleMs: number;
}

export const STATS_CONSUMER_OPTIONS = Symbol('STATS_CONSUMER_OPTIONS');

const DEFAULTS: Omit<StatsConsumerOptions, 'consumerName'> = {
  blockMs: 2000,
  batchSize: 200,
  claimIdleMs: 30_000,
  claimEveryMs: 5000,
  forgetIdleMs: 3_600_000,
};

interface ApplyCommand {
  spillwayStatsApply(...args: string[]): Promise<number>;
}

/**
 * Builds the statistics from the lifecycle event stream as a member of the consumer group
 * `stats`, in every gateway process. Each entry is counted once across all replicas and
 * restarts: its updates and its XACK run in one script (stats-scripts.ts).
 *
 * A brand-new group starts at `0`, the oldest entry still in the stream, so events written
 * before any consumer existed (a first deployment, a publisher rolled out first) are counted.
 * The group is created once per deployment; later starts find it (BUSYGROUP) and resume.
 */
@Injectable()
export class StatsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StatsConsumer.name);
  private readonly keys: StatsKeys;
  private readonly options: StatsConsumerOptions;
  private readonly apply: ApplyCommand;
  private blocking: Redis | null = null;
  private blockingId: number | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private reading = false;
  private wake: (() => void) | null = null;
  private countedByMe = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    keyspace: RedisKeyspace,
    @Inject(APP_CONFIG) private readonly config: RedisClientConfig,
    @Optional() @Inject(STATS_CONSUMER_OPTIONS) options: Partial<StatsConsumerOptions> = {},
  ) {
    this.keys = statsKeys(keyspace);
    this.options = {
      consumerName: `${hostname()}:${process.pid}`,
      ...DEFAULTS,
      ...options,
    };
    if (!('spillwayStatsApply' in redis)) {
      redis.defineCommand('spillwayStatsApply', {
        numberOfKeys: 1 + STATS_KEY_ROLES.length,
        lua: APPLY_SCRIPT,
      });
    }
    this.apply = redis as unknown as ApplyCommand;
  }

  get consumerName(): string {
    return this.options.consumerName;
  }

  /** Entries this instance counted (first acknowledgements) since it was created. */
  get counted(): number {
    return this.countedByMe;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts consuming in the background; failures are retried, never thrown. */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    // Blocking reads get a connection of their own, so they never hold up the app's commands.
    const blocking = createRedisClient(
      {
        ...this.config,
        REDIS_COMMAND_TIMEOUT_MS: this.config.REDIS_COMMAND_TIMEOUT_MS + this.options.blockMs,
      },
      'stats-consumer',
    );
    blocking.on('ready', () => {
      blocking
        .client('ID')
        .then((id) => (this.blockingId = id))
        .catch(() => (this.blockingId = null));
    });
    this.blocking = blocking;
    this.running = this.run(blocking);
  }

  /** Finishes the batch in hand, leaves the group tidy and closes the blocking connection. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.wake?.();
    // Ends a blocking read as if it timed out, so no entry is delivered and left behind. The
    // read may not have reached Redis yet, hence the retries; it ends by itself after blockMs.
    const giveUp = Date.now() + this.options.blockMs;
    while (this.reading && this.blockingId !== null && Date.now() < giveUp) {
      const unblocked = await this.redis.client('UNBLOCK', this.blockingId).catch(() => 0);
      if (Number(unblocked) === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.running;
    await this.forgetSelfIfIdle().catch(() => undefined);
    await this.blocking?.quit().catch(() => this.blocking?.disconnect());
    this.blocking = null;
    this.running = null;
  }

  private async run(blocking: Redis): Promise<void> {
    let groupReady = false;
    let drainOwn = true;
    let nextClaim = 0;
    let failures = 0;
    while (!this.stopping) {
      try {
        if (!groupReady) {
          await this.ensureGroup();
          groupReady = true;
        }
        if (drainOwn) {
          await this.drainOwnPending();
          drainOwn = false;
        }
        if (Date.now() >= nextClaim) {
          await this.claimAbandoned();
          nextClaim = Date.now() + this.options.claimEveryMs;
        }
        await this.readNew(blocking);
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        const message = error instanceof Error ? error.message : String(error);
        if (message.includes('NOGROUP')) groupReady = false;
        // Whatever was delivered to us before the failure is still pending: read it again.
        drainOwn = true;
        if (failures === 0) this.logger.warn(`stats consumer paused: ${message}`);
        failures++;
        await this.sleep(Math.min(100 * 2 ** failures, 5000));
      }
    }
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.keys.stream, STATS_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.includes('BUSYGROUP'))) throw error;
    }
  }

  /** Entries delivered to this consumer name earlier and never acknowledged (a crash). */
  private async drainOwnPending(): Promise<void> {
    let cursor = '0';
    while (!this.stopping) {
      const entries = await this.readGroup(this.redis, cursor, null);
      if (entries.length === 0) return;
      await this.applyEntries(entries);
      cursor = entries[entries.length - 1].id;
    }
  }

  /** Takes over entries that other consumers received and never acknowledged. */
  private async claimAbandoned(): Promise<void> {
    let cursor = '0-0';
    let claimed = 0;
    do {
      const reply = (await this.redis.xautoclaim(
        this.keys.stream,
        STATS_GROUP,
        this.options.consumerName,
        this.options.claimIdleMs,
        cursor,
        'COUNT',
        this.options.batchSize,
      )) as [string, unknown, ...unknown[]];
      cursor = reply[0];
      const entries = parseEntries(reply[1]);
      if (entries.length > 0) claimed += await this.applyEntries(entries);
    } while (cursor !== '0-0' && !this.stopping);
    if (claimed > 0)
      this.logger.log(`counted ${claimed} events left pending by a stopped consumer`);
    await this.forgetIdleConsumers();
  }

  private async readNew(blocking: Redis): Promise<void> {
    // Fail-fast clients refuse commands until connected; wait (bounded) rather than fail.
    if (blocking.status !== 'ready' && !(await waitForReady(blocking, this.options.blockMs))) {
      return;
    }
    this.reading = true;
    let entries: StreamEntry[];
    try {
      entries = await this.readGroup(blocking, '>', this.options.blockMs);
    } finally {
      this.reading = false;
    }
    if (entries.length > 0) await this.applyEntries(entries);
  }

  private async readGroup(
    client: Redis,
    id: string,
    blockMs: number | null,
  ): Promise<StreamEntry[]> {
    const block = blockMs === null ? [] : ['BLOCK', blockMs];
    const reply = await client.call(
      'XREADGROUP',
      'GROUP',
      STATS_GROUP,
      this.options.consumerName,
      'COUNT',
      this.options.batchSize,
      ...block,
      'STREAMS',
      this.keys.stream,
      id,
    );
    return readReplyEntries(reply);
  }

  /** Counts the entries not counted before and acknowledges them; returns how many counted. */
  async applyEntries(entries: StreamEntry[]): Promise<number> {
    const args: string[] = [this.keys.stream, ...STATS_KEY_ROLES.map((role) => this.keys[role])];
    args.push(STATS_GROUP);
    for (const entry of entries) {
      args.push(entry.id, encodeUpdates(statsUpdatesFor(entry.fields)));
    }
    const counted = Number(await this.apply.spillwayStatsApply(...args));
    this.countedByMe += counted;
    return counted;
  }

  /** Consumer names are per process; drop the ones that are gone and hold nothing. */
  private async forgetIdleConsumers(): Promise<void> {
    const consumers = (await this.redis.xinfo('CONSUMERS', this.keys.stream, STATS_GROUP)) as
      unknown[] | null;
    for (const raw of consumers ?? []) {
      const info = replyRecord(raw);
      const name = String(info.name);
      if (name === this.options.consumerName) continue;
      if (Number(info.pending) === 0 && Number(info.idle) >= this.options.forgetIdleMs) {
        await this.redis.xgroup('DELCONSUMER', this.keys.stream, STATS_GROUP, name);
      }
    }
  }

  private async forgetSelfIfIdle(): Promise<void> {
    const pending = await this.redis.xpending(
      this.keys.stream,
      STATS_GROUP,
      '-',
      '+',
      1,
      this.options.consumerName,
    );
    if (pending.length === 0) {
      await this.redis.xgroup(
        'DELCONSUMER',
        this.keys.stream,
        STATS_GROUP,
        this.options.consumerName,
      );
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => (this.wake = null));
  }
}
