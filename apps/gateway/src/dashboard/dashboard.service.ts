import { Lifecycle } from '@app/http';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import { FreeQuotaService, type QuotaSnapshot } from '../quota/free-quota.service';
import { RouteEvents } from '../routing/route-events';
import { StatsService, type Stats } from '../stats/stats.service';
import type { DashboardSnapshotDto } from './dashboard.dto';
import { ClusterRate, TrafficHistory, type TrafficTotals } from './traffic-history';

const PUSH_INTERVAL_MS = 1000;

/** A live dashboard connection: receives one snapshot per second until it is ended. */
export interface DashboardStream {
  send(snapshot: DashboardSnapshotDto): void;
  end(): void;
  /** Called once when the client goes away. */
  onClose(listener: () => void): void;
}

/**
 * Feeds the dashboard and pushes one snapshot per second to the open streams (one snapshot
 * for all of them). Totals, cost and switches come from the shared statistics (all
 * replicas); while those cannot be read, from what this replica routed, labelled as such.
 * Streams end as soon as the process drains, so they never hold up the shutdown.
 */
@Injectable()
export class DashboardService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DashboardService.name);
  private readonly history = new TrafficHistory();
  private readonly clusterRate = new ClusterRate();
  private readonly streams = new Set<DashboardStream>();
  private readonly replica = `${hostname()}/${process.pid}`;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly events: RouteEvents,
    private readonly quota: FreeQuotaService,
    private readonly lifecycle: Lifecycle,
    private readonly stats: StatsService,
  ) {}

  onModuleInit(): void {
    this.events.subscribe((record) => this.history.record(record));
  }

  onModuleDestroy(): void {
    this.endAll();
  }

  async snapshot(): Promise<DashboardSnapshotDto> {
    const [quota, stats] = await Promise.all([
      this.quota.snapshot().catch(() => null),
      this.stats.read().catch(() => null),
    ]);
    const common = { generatedAt: Date.now(), replica: this.replica, quota, route: routeOf(quota) };
    if (stats) {
      const totals = clusterTotals(stats);
      this.clusterRate.sample(totals);
      return {
        ...common,
        scope: 'cluster',
        totals,
        freeShare: shareOf(totals),
        series: this.clusterRate.series(),
        switches: stats.routeSwitches.recent.map(({ at, from, to, reason }) => ({
          at,
          from,
          to,
          reason,
        })),
      };
    }
    const totals = { ...this.history.totals };
    return {
      ...common,
      scope: 'replica',
      totals,
      freeShare: shareOf(totals),
      series: this.history.series(),
      switches: this.history.latestSwitches(),
    };
  }

  /** Pushes to a stream until the client leaves or the process drains. */
  open(stream: DashboardStream): void {
    if (this.lifecycle.draining) {
      stream.end();
      return;
    }
    this.streams.add(stream);
    stream.onClose(() => this.close(stream));
    this.timer ??= setInterval(() => void this.push(), PUSH_INTERVAL_MS);
    void this.push(stream);
  }

  private async push(only?: DashboardStream): Promise<void> {
    if (this.lifecycle.draining) {
      this.endAll();
      return;
    }
    try {
      const snapshot = await this.snapshot();
      for (const stream of only ? [only] : this.streams) stream.send(snapshot);
    } catch (error) {
      this.logger.warn(
        `dashboard push failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private close(stream: DashboardStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private endAll(): void {
    for (const stream of [...this.streams]) {
      this.close(stream);
      stream.end();
    }
  }
}

function clusterTotals(stats: Stats): TrafficTotals {
  let failed = 0;
  for (const byProvider of Object.values(stats.byKind)) {
    failed += byProvider.free.failure + byProvider.paid.failure;
  }
  return {
    free: stats.totals.free,
    paid: stats.totals.paid,
    refused: stats.refused,
    failed,
    paidCostMicros: stats.paidCostMicros,
  };
}

function shareOf(totals: TrafficTotals): number | null {
  const served = totals.free + totals.paid;
  return served === 0 ? null : totals.free / served;
}

function routeOf(quota: QuotaSnapshot | null): DashboardSnapshotDto['route'] {
  if (!quota) return 'unknown';
  return quota.remaining > 0 && !quota.circuitOpen && quota.blockedUntil === null ? 'free' : 'paid';
}
