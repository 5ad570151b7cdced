import { Registry } from '@app/metrics';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { FreeQuotaService, type QuotaSnapshot } from '../quota/free-quota.service';
import { RouteEvents, type RouteRecord } from '../routing/route-events';

/** Seconds; provider calls range from a few ms (free, local) to the 10 s paid timeout. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Several gauges read one snapshot per scrape instead of one Redis round trip each. */
const SNAPSHOT_REUSE_MS = 250;

/**
 * The gateway's Prometheus metrics. Counters and histograms count what this replica did, so
 * `sum()` across replicas is the deployment's total. The free-quota gauges read the one
 * state all replicas share in Redis: aggregate those with `max()`, never `sum()`.
 */
@Injectable()
export class GatewayMetrics implements OnModuleInit {
  private readonly logger = new Logger(GatewayMetrics.name);
  private readonly requests: Counter<'kind' | 'provider' | 'outcome' | 'reason' | 'origin'>;
  private readonly failovers: Counter<'kind' | 'reason' | 'origin'>;
  private readonly latency: Histogram<'provider' | 'kind' | 'outcome'>;
  private readonly paidCost: Counter<'kind'>;
  private snapshot: { at: number; value: Promise<QuotaSnapshot | null> } | null = null;
  private lastSnapshotError = 0;

  constructor(
    private readonly registry: Registry,
    private readonly events: RouteEvents,
    private readonly quota: FreeQuotaService,
  ) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'spillway_gateway_requests_total',
      help: 'Routing outcomes on this replica (origin: sync request, async job or coupon stock); provider "none" when refused before any call.',
      labelNames: ['kind', 'provider', 'outcome', 'reason', 'origin'],
      registers,
    });
    this.failovers = new Counter({
      name: 'spillway_gateway_failovers_total',
      help: 'Jobs this replica served on paid, by the reason free did not serve them.',
      labelNames: ['kind', 'reason', 'origin'],
      registers,
    });
    this.latency = new Histogram({
      name: 'spillway_gateway_upstream_latency_seconds',
      help: 'Duration of provider calls made by this replica.',
      labelNames: ['provider', 'kind', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.paidCost = new Counter({
      name: 'spillway_gateway_paid_cost_micros_total',
      help: 'What the paid provider charged for calls made by this replica, in micro-units.',
      labelNames: ['kind'],
      registers,
    });
    const read = () => this.read();
    new Gauge({
      name: 'spillway_free_quota_up',
      help: '1 when the shared quota state in Redis could be read at this scrape.',
      registers,
      async collect() {
        this.set((await read()) ? 1 : 0);
      },
    });
    this.quotaGauge(
      'spillway_free_quota_limit',
      'Free requests allowed per window.',
      (s) => s.limit,
    );
    this.quotaGauge(
      'spillway_free_quota_remaining',
      'Free requests left in the current window, shared by all replicas (aggregate with max).',
      (s) => s.remaining,
    );
    this.quotaGauge(
      'spillway_free_quota_reset_seconds',
      'Seconds until the free window or block ends (0 when no window is open).',
      (s) => s.resetInMs / 1000,
    );
    this.quotaGauge(
      'spillway_free_blocked',
      '1 while free is blocked after a 429, for all replicas.',
      (s) => (s.blockedUntil === null ? 0 : 1),
    );
    this.quotaGauge(
      'spillway_free_circuit_open',
      '1 while the shared circuit breaker keeps traffic off the failing free provider.',
      (s) => (s.circuitOpen ? 1 : 0),
    );
  }

  onModuleInit(): void {
    this.events.subscribe((record) => this.count(record));
  }

  count(record: RouteRecord): void {
    const provider = record.provider ?? 'none';
    this.requests.inc({
      kind: record.kind,
      provider,
      outcome: record.outcome,
      reason: record.reason,
      origin: record.origin,
    });
    if (record.provider !== null && record.latencyMs > 0) {
      this.latency.observe(
        { provider, kind: record.kind, outcome: record.outcome },
        record.latencyMs / 1000,
      );
    }
    if (record.provider === 'paid' && record.outcome === 'success') {
      this.failovers.inc({ kind: record.kind, reason: record.reason, origin: record.origin });
      if (record.costMicros > 0) this.paidCost.inc({ kind: record.kind }, record.costMicros);
    }
  }

  /** A gauge read from the shared quota at scrape time; NaN when Redis cannot be read. */
  private quotaGauge(name: string, help: string, pick: (snapshot: QuotaSnapshot) => number): void {
    const read = () => this.read();
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        const snapshot = await read();
        this.set(snapshot ? pick(snapshot) : Number.NaN);
      },
    });
  }

  private read(): Promise<QuotaSnapshot | null> {
    const now = Date.now();
    if (this.snapshot && now - this.snapshot.at < SNAPSHOT_REUSE_MS) return this.snapshot.value;
    const value = this.quota.snapshot().catch((error: unknown) => {
      if (now - this.lastSnapshotError > 5000) {
        this.lastSnapshotError = now;
        this.logger.warn(
          `free quota unreadable for metrics: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return null;
    });
    this.snapshot = { at: now, value };
    return value;
  }
}
