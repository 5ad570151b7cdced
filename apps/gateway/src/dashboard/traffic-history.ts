import type { ProviderName } from '@app/contracts';
import type { RouteRecord } from '../routing/route-events';

/** How far back the requests-per-second chart looks. */
export const HISTORY_SECONDS = 300;
const MAX_SWITCHES = 20;

export interface RouteSwitch {
  at: number;
  from: ProviderName;
  to: ProviderName;
  /** A RouteReason (a plain string once it has been through the shared statistics). */
  reason: string;
}

export interface TrafficTotals {
  free: number;
  paid: number;
  /** Jobs refused without a provider call (free plans with no free quota left, Redis down). */
  refused: number;
  /** Provider calls that failed (5xx, timeout, reset, malformed). */
  failed: number;
  paidCostMicros: number;
}

export interface TrafficSeries {
  stepMs: number;
  /** Epoch ms of the first bucket; the last bucket is the current second. */
  startAt: number;
  free: number[];
  paid: number[];
  refused: number[];
}

interface Bucket {
  second: number;
  free: number;
  paid: number;
  refused: number;
}

/**
 * What this replica routed: totals since start, one bucket per second for the last five
 * minutes, and the latest changes of provider. Memory is bounded whatever the traffic.
 */
export class TrafficHistory {
  readonly totals: TrafficTotals = { free: 0, paid: 0, refused: 0, failed: 0, paidCostMicros: 0 };
  private readonly buckets: Bucket[] = [];
  private readonly switches: RouteSwitch[] = [];
  private lastProvider: ProviderName | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  record(record: RouteRecord): void {
    const bucket = this.bucket(Math.floor(this.now() / 1000));
    if (record.outcome === 'refused' && record.provider === null) {
      this.totals.refused += 1;
      bucket.refused += 1;
      return;
    }
    if (record.outcome === 'failure') this.totals.failed += 1;
    if (record.outcome !== 'success' || record.provider === null) return;
    this.totals[record.provider] += 1;
    bucket[record.provider] += 1;
    this.totals.paidCostMicros += record.costMicros;
    if (this.lastProvider !== null && this.lastProvider !== record.provider) {
      this.switches.unshift({
        at: this.now(),
        from: this.lastProvider,
        to: record.provider,
        reason: record.reason,
      });
      this.switches.length = Math.min(this.switches.length, MAX_SWITCHES);
    }
    this.lastProvider = record.provider;
  }

  /** Newest first. */
  latestSwitches(): RouteSwitch[] {
    return [...this.switches];
  }

  series(): TrafficSeries {
    const last = Math.floor(this.now() / 1000);
    const first = last - HISTORY_SECONDS + 1;
    const free = new Array<number>(HISTORY_SECONDS).fill(0);
    const paid = new Array<number>(HISTORY_SECONDS).fill(0);
    const refused = new Array<number>(HISTORY_SECONDS).fill(0);
    for (const bucket of this.buckets) {
      const index = bucket.second - first;
      if (index < 0 || index >= HISTORY_SECONDS) continue;
      free[index] = bucket.free;
      paid[index] = bucket.paid;
      refused[index] = bucket.refused;
    }
    return { stepMs: 1000, startAt: first * 1000, free, paid, refused };
  }

  private bucket(second: number): Bucket {
    const newest = this.buckets[this.buckets.length - 1];
    if (newest?.second === second) return newest;
    const bucket = { second, free: 0, paid: 0, refused: 0 };
    this.buckets.push(bucket);
    while (this.buckets.length > 0 && this.buckets[0].second <= second - HISTORY_SECONDS) {
      this.buckets.shift();
    }
    return bucket;
  }
}

type Counts = Pick<TrafficTotals, 'free' | 'paid' | 'refused'>;

/**
 * Jobs per second across all replicas, from the shared totals sampled while someone
 * watches: the growth between two samples is put in the second of the later one.
 */
export class ClusterRate {
  private readonly samples: Array<{ second: number; counts: Counts }> = [];

  constructor(private readonly now: () => number = Date.now) {}

  sample(counts: Counts): void {
    const second = Math.floor(this.now() / 1000);
    const newest = this.samples[this.samples.length - 1];
    if (newest?.second === second) newest.counts = counts;
    else this.samples.push({ second, counts });
    // One sample older than the window stays: it is the base of the oldest second's growth.
    while (this.samples.length > 1 && this.samples[1].second <= second - HISTORY_SECONDS) {
      this.samples.shift();
    }
  }

  series(): TrafficSeries {
    const last = Math.floor(this.now() / 1000);
    const first = last - HISTORY_SECONDS + 1;
    const series: TrafficSeries = {
      stepMs: 1000,
      startAt: first * 1000,
      free: new Array<number>(HISTORY_SECONDS).fill(0),
      paid: new Array<number>(HISTORY_SECONDS).fill(0),
      refused: new Array<number>(HISTORY_SECONDS).fill(0),
    };
    for (let i = 1; i < this.samples.length; i += 1) {
      const { second, counts } = this.samples[i];
      const previous = this.samples[i - 1].counts;
      const index = second - first;
      if (index < 0 || index >= HISTORY_SECONDS) continue;
      // Totals only grow; a reset of the stats shows as nothing rather than a negative rate.
      series.free[index] = Math.max(0, counts.free - previous.free);
      series.paid[index] = Math.max(0, counts.paid - previous.paid);
      series.refused[index] = Math.max(0, counts.refused - previous.refused);
    }
    return series;
  }
}
