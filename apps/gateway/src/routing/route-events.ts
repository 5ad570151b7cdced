import type { JobKind, JobOrigin, Plan, ProviderName } from '@app/contracts';
import { Injectable } from '@nestjs/common';

/** Why a job went where it went; names are part of the stats and metrics vocabulary. */
export type RouteReason =
  | 'free-quota'
  | 'free-probe'
  | 'quota-exhausted'
  | 'free-blocked'
  | 'free-rate-limited'
  | 'free-circuit-open'
  | 'free-failed'
  | 'redis-unavailable';

export type RouteOutcome = 'success' | 'client-error' | 'failure' | 'refused';

export interface RouteRecord {
  kind: JobKind;
  provider: ProviderName | null;
  outcome: RouteOutcome;
  reason: RouteReason;
  latencyMs: number;
  costMicros: number;
  userId: string;
  plan: Plan;
  requestId?: string;
  /** The job this call was for (sync requests get an id per request). */
  jobId: string;
  origin: JobOrigin;
  /** Set when a provider call failed: what went wrong. */
  failure?: string;
}

export type RouteListener = (record: RouteRecord) => void;

/**
 * Every routing decision and provider call is reported here; metrics, statistics and the
 * dashboard subscribe. Listeners run synchronously and must not throw or block.
 */
@Injectable()
export class RouteEvents {
  private readonly listeners: RouteListener[] = [];

  subscribe(listener: RouteListener): void {
    this.listeners.push(listener);
  }

  emit(record: RouteRecord): void {
    for (const listener of this.listeners) listener(record);
  }
}
