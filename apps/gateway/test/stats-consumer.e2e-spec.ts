import { EVENT_FIELD, EVENT_VERSION, type JobKind, type SpillwayEvent } from '@app/contracts';
import { RedisKeyspace } from '@app/redis';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '@app/testing';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { StatsConsumer, type StatsConsumerOptions } from '../src/stats/stats-consumer';
import { STATS_GROUP, statsKeys } from '../src/stats/stats-keys';
import { StatsService, type Stats } from '../src/stats/stats.service';
import { readReplyEntries } from '../src/stats/stream-replies';

/** What the test wrote, tallied independently of the consumer. */
class Tally {
  free = 0;
  paid = 0;
  refused = 0;
  paidCostMicros = 0;
  switches = 0;
  accepted = 0;
  finished = 0;
  skipped = 0;
  routed = 0;
  messageFreeSuccess = 0;
  events = 0;
}

const KINDS: JobKind[] = ['message', 'coupon', 'qr'];
const FREE_LIMIT = 10;
const WINDOW_MS = 1000;
const T0 = 1_700_000_000_000;

/** Deterministic pseudo-random numbers so a failure can be replayed. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('stats consumer group (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let stream: string;
  let keyspace: RedisKeyspace;
  let service: StatsService;
  let tally: Tally;
  let random: () => number;
  let sequence = 0;
  const consumers: StatsConsumer[] = [];

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('stats-consumer');
    keyspace = new RedisKeyspace(prefix);
    stream = statsKeys(keyspace).stream;
    service = new StatsService(redis, keyspace, {
      FREE_QUOTA_LIMIT: FREE_LIMIT,
      FREE_QUOTA_WINDOW_MS: WINDOW_MS,
    });
    tally = new Tally();
    random = rng(42);
    sequence = 0;
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  function consumer(options: Partial<StatsConsumerOptions>): StatsConsumer {
    // Each consumer gets its own app connection, as each gateway process has.
    const own = testRedis();
    const created = new StatsConsumer(
      own,
      keyspace,
      { REDIS_URL: testRedisUrl(), REDIS_COMMAND_TIMEOUT_MS: 2000 },
      { blockMs: 200, claimEveryMs: 200, ...options },
    );
    const stop = created.stop.bind(created);
    created.stop = async () => {
      await stop();
      if (own.status !== 'end') await own.quit();
    };
    consumers.push(created);
    return created;
  }

  /** A random event, tallied; about one in twenty is unreadable and must be skipped. */
  function nextEvent(): string {
    sequence++;
    tally.events++;
    const kind = KINDS[Math.floor(random() * KINDS.length)];
    const base = {
      version: EVENT_VERSION,
      at: T0 + sequence,
      jobId: `job-${sequence}`,
      kind,
      userId: 'user-1',
      origin: 'sync' as const,
    };
    const roll = random();
    if (roll < 0.05) {
      tally.skipped++;
      const junk = ['not json', JSON.stringify({ ...base, type: 'JOB_EXPLODED' })];
      junk.push(JSON.stringify({ ...base, version: 2, type: 'JOB_ROUTED' }));
      return junk[sequence % junk.length];
    }
    let event: SpillwayEvent;
    if (roll < 0.8) {
      const outcomeRoll = random();
      const provider = outcomeRoll < 0.5 ? 'free' : outcomeRoll < 0.8 ? 'paid' : null;
      const outcome = provider === null ? 'refused' : random() < 0.9 ? 'success' : 'failure';
      const costMicros = provider === 'paid' && outcome === 'success' ? 1500 : 0;
      event = {
        ...base,
        type: 'JOB_ROUTED',
        provider,
        outcome,
        reason: provider === 'free' ? 'free-quota' : 'quota-exhausted',
        latencyMs: Math.round(random() * 1000) / 10,
        costMicros,
      };
      tally.routed++;
      tally.paidCostMicros += costMicros;
      if (outcome === 'refused') tally.refused++;
      if (outcome === 'success' && provider === 'free') tally.free++;
      if (outcome === 'success' && provider === 'paid') tally.paid++;
      if (outcome === 'success' && provider === 'free' && kind === 'message') {
        tally.messageFreeSuccess++;
      }
    } else if (roll < 0.85) {
      tally.switches++;
      event = {
        ...base,
        type: 'ROUTE_SWITCHED',
        from: 'free',
        to: 'paid',
        reason: 'quota-exhausted',
      };
    } else if (roll < 0.93) {
      tally.accepted++;
      event = { ...base, type: 'JOB_ACCEPTED', plan: 'paid', deadlineMs: null };
    } else {
      tally.finished++;
      event = {
        ...base,
        type: 'JOB_FINISHED',
        provider: 'free',
        reason: 'free-quota',
        durationMs: 5,
      };
    }
    return JSON.stringify(event);
  }

  async function write(count: number): Promise<void> {
    const pipeline = redis.pipeline();
    for (let i = 0; i < count; i++) pipeline.xadd(stream, '*', EVENT_FIELD, nextEvent());
    await pipeline.exec();
  }

  /** A consumer's first life: entries delivered to it, then a crash before any XACK. */
  async function deliverWithoutAck(name: string, count: number) {
    await redis.xgroup('CREATE', stream, STATS_GROUP, '0', 'MKSTREAM');
    const reply = await redis.call(
      'XREADGROUP',
      'GROUP',
      STATS_GROUP,
      name,
      'COUNT',
      count,
      'STREAMS',
      stream,
      '>',
    );
    return readReplyEntries(reply);
  }

  async function skipped(): Promise<number> {
    return Number((await redis.hget(statsKeys(keyspace).meta, 'skipped')) ?? 0);
  }

  /** Waits until every entry is acknowledged, then returns the statistics. */
  async function settled(): Promise<Stats> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const stats = await service.read();
      // The group's lag can read 0 for a moment after new entries land: also wait for the
      // totals to reach what was written (more than that still fails expectExact).
      const counted = stats.totals.free + stats.totals.paid;
      if (stats.backlog === 0 && counted >= tally.free + tally.paid) return stats;
      if (Date.now() > deadline) throw new Error(`backlog stuck at ${stats.backlog}`);
      await sleep(50);
    }
  }

  function expectExact(stats: Stats): void {
    expect(stats.totals).toEqual({ free: tally.free, paid: tally.paid });
    expect(stats.refused).toBe(tally.refused);
    expect(stats.paidCostMicros).toBe(tally.paidCostMicros);
    expect(stats.routeSwitches.count).toBe(tally.switches);
    expect(stats.jobs).toMatchObject({ accepted: tally.accepted, finished: tally.finished });
    expect(stats.byKind.message.free.success).toBe(tally.messageFreeSuccess);
    const routed = Object.values(stats.byKind)
      .flatMap((providers) => Object.values(providers))
      .flatMap((outcomes) => Object.values(outcomes))
      .reduce((sum, n) => sum + n, 0);
    expect(routed).toBe(tally.routed);
  }

  it('counts every event once, events written before the group existed included', async () => {
    await write(400);
    const a = consumer({ consumerName: 'solo' });
    a.start();
    const stats = await settled();
    await write(100); // and the ones that arrive while it waits
    const after = await settled();

    expect(stats.since).toBe(T0 + 1);
    expectExact(after);
    expect(await skipped()).toBe(tally.skipped);
    expect(a.counted).toBe(tally.events);
    expect(after.paidShare).toBeCloseTo(tally.paid / (tally.free + tally.paid), 10);
    expect(after.latencyMs.free.samples).toBe(tally.free);
    expect(after.latencyMs.free.p50).toEqual(expect.any(Number));
    expect(after.latencyMs.paid.p95!).toBeGreaterThanOrEqual(after.latencyMs.paid.p50!);
    expect(after.routeSwitches.recent).toHaveLength(Math.min(20, tally.switches));
    expect(after.routeSwitches.recent[0]).toEqual({
      from: 'free',
      to: 'paid',
      reason: 'quota-exhausted',
      at: expect.any(Number) as unknown,
    });

    // Utilisation: the free calls against LIMIT per window since the first event.
    service.clockOverride = () => T0 + 1 + 2.5 * WINDOW_MS;
    const later = await service.read();
    expect(later.freeAvailable).toBe(3 * FREE_LIMIT);
    expect(later.freeUtilisation).toBe(Math.min(1, tally.free / (3 * FREE_LIMIT)));
  });

  it('a consumer restarted under its name resumes its own pending entries, counting nothing twice', async () => {
    await write(300);
    const delivered = await deliverWithoutAck('node-1', 120);
    expect(delivered).toHaveLength(120);

    // Claiming is made slow on purpose: only the restarted consumer's own drain can pick these up.
    const restarted = consumer({ consumerName: 'node-1', claimIdleMs: 600_000 });
    restarted.start();
    await write(100);
    expectExact(await settled());
    expect(restarted.counted).toBe(tally.events);
    expect(await skipped()).toBe(tally.skipped);
  });

  it('entries left pending by a dead consumer are claimed and counted once; a stopped consumer is resumed by the next', async () => {
    await write(300);
    await deliverWithoutAck('dead-host:7', 80);

    const first = consumer({ consumerName: 'live-1', claimIdleMs: 300 });
    first.start();
    // Stop it mid-way through a steady flow of events; the next process takes over.
    for (let i = 0; i < 10; i++) {
      await write(20);
      await sleep(20);
    }
    await first.stop();
    await write(150);
    const second = consumer({ consumerName: 'live-2', claimIdleMs: 300 });
    second.start();

    expectExact(await settled());
    expect(first.counted + second.counted).toBe(tally.events);
    expect(await skipped()).toBe(tally.skipped);
    const pending = (await redis.xpending(stream, STATS_GROUP)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    // The stopped consumer left the group; the dead one stays until it has been silent long.
    const names = ((await redis.xinfo('CONSUMERS', stream, STATS_GROUP)) as string[][]).map(
      (info) => info[1],
    );
    expect(names).not.toContain('live-1');
  });

  it('two consumers in parallel, both claiming the same abandoned entries, count each entry once', async () => {
    await write(200);
    await deliverWithoutAck('dead-host:9', 150);
    await sleep(150);
    const a = consumer({ consumerName: 'a', claimIdleMs: 100, claimEveryMs: 50, batchSize: 20 });
    const b = consumer({ consumerName: 'b', claimIdleMs: 100, claimEveryMs: 50, batchSize: 20 });
    a.start();
    b.start();
    for (let i = 0; i < 20; i++) {
      await write(25);
      await sleep(10);
    }

    expectExact(await settled());
    expect(a.counted + b.counted).toBe(tally.events);
    expect(await skipped()).toBe(tally.skipped);
  });

  it('applying the same delivered entries twice, even at once, counts them once', async () => {
    await write(100);
    const entries = await deliverWithoutAck('x', 100);
    const a = consumer({ consumerName: 'a' });
    const b = consumer({ consumerName: 'b' });
    const counted = await Promise.all([a.applyEntries(entries), b.applyEntries(entries)]);
    expect(counted.sort()).toEqual([0, 100]);
    expect(await a.applyEntries(entries)).toBe(0);
    expectExact(await settled());
  });
});
