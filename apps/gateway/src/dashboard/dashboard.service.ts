import { Lifecycle } from '@app/http';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import { FreeQuotaService, type QuotaSnapshot } from '../quota/free-quota.service';
import { RouteEvents } from '../routing/route-events';
import type { DashboardSnapshotDto } from './dashboard.dto';
import { TrafficHistory } from './traffic-history';

const PUSH_INTERVAL_MS = 1000;

/** A live dashboard connection: receives one snapshot per second until it is ended. */
export interface DashboardStream {
  send(snapshot: DashboardSnapshotDto): void;
  end(): void;
  /** Called once when the client goes away. */
  onClose(listener: () => void): void;
}

/**
 * Feeds the dashboard: records every routing decision of this replica and pushes one
 * snapshot per second to the open streams (one snapshot for all of them). Streams end as
 * soon as the process drains, so a long-lived connection never holds up the shutdown.
 */
@Injectable()
export class DashboardService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DashboardService.name);
  private readonly history = new TrafficHistory();
  private readonly streams = new Set<DashboardStream>();
  private readonly replica = `${hostname()}/${process.pid}`;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly events: RouteEvents,
    private readonly quota: FreeQuotaService,
    private readonly lifecycle: Lifecycle,
  ) {}

  onModuleInit(): void {
    this.events.subscribe((record) => this.history.record(record));
  }

  onModuleDestroy(): void {
    this.endAll();
  }

  async snapshot(): Promise<DashboardSnapshotDto> {
    const quota = await this.quota.snapshot().catch(() => null);
    const { totals } = this.history;
    const served = totals.free + totals.paid;
    return {
      generatedAt: Date.now(),
      scope: 'replica',
      replica: this.replica,
      quota,
      route: routeOf(quota),
      totals: { ...totals },
      freeShare: served === 0 ? null : totals.free / served,
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

function routeOf(quota: QuotaSnapshot | null): DashboardSnapshotDto['route'] {
  if (!quota) return 'unknown';
  return quota.remaining > 0 && !quota.circuitOpen && quota.blockedUntil === null ? 'free' : 'paid';
}
