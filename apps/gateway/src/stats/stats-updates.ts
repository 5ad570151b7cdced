import {
  EVENT_FIELD,
  EVENT_VERSION,
  JOB_KINDS,
  PROVIDERS,
  type JobKind,
  type ProviderName,
  type SpillwayEvent,
} from '@app/contracts';
import { LATENCY_SAMPLES, RECENT_SWITCHES, STATS_KEY_ROLES, type StatsKeyRole } from './stats-keys';

export const ROUTE_OUTCOMES = ['success', 'client-error', 'failure', 'refused'] as const;
export type RouteOutcome = (typeof ROUTE_OUTCOMES)[number];

export const LIFECYCLE_STAGES = ['accepted', 'started', 'finished', 'failed'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** One change to the statistics; the apply script runs them only for a first acknowledgement. */
export type StatsUpdate =
  | { op: 'incr'; key: StatsKeyRole; field: string; by: number }
  | { op: 'sample'; key: StatsKeyRole; value: string; cap: number }
  | { op: 'min'; key: StatsKeyRole; field: string; value: number };

const STAGE_OF = {
  JOB_ACCEPTED: 'accepted',
  JOB_STARTED: 'started',
  JOB_FINISHED: 'finished',
  JOB_FAILED: 'failed',
} as const satisfies Partial<Record<SpillwayEvent['type'], LifecycleStage>>;

/** What a stream entry does to the statistics. Anything unreadable is skipped (and counted). */
export function statsUpdatesFor(fields: string[] | null): StatsUpdate[] {
  const event = parseEvent(fields);
  if (event === null) return [{ op: 'incr', key: 'meta', field: 'skipped', by: 1 }];
  const updates: StatsUpdate[] = [{ op: 'min', key: 'meta', field: 'startedAt', value: event.at }];
  switch (event.type) {
    case 'JOB_ROUTED': {
      const provider = event.provider ?? 'none';
      const field = `${event.kind}:${provider}:${event.outcome}`;
      updates.push({ op: 'incr', key: 'routed', field, by: 1 });
      if (event.outcome === 'refused') {
        updates.push({ op: 'incr', key: 'totals', field: 'refused', by: 1 });
      }
      if (event.outcome === 'success' && event.provider !== null) {
        updates.push({ op: 'incr', key: 'totals', field: event.provider, by: 1 });
        updates.push({
          op: 'sample',
          key: event.provider === 'free' ? 'latencyFree' : 'latencyPaid',
          value: String(event.latencyMs),
          cap: LATENCY_SAMPLES,
        });
      }
      if (event.costMicros > 0) {
        updates.push({ op: 'incr', key: 'totals', field: 'paidCostMicros', by: event.costMicros });
      }
      break;
    }
    case 'ROUTE_SWITCHED':
      updates.push({ op: 'incr', key: 'totals', field: 'routeSwitches', by: 1 });
      updates.push({
        op: 'sample',
        key: 'switches',
        value: JSON.stringify({
          from: event.from,
          to: event.to,
          reason: event.reason,
          at: event.at,
        }),
        cap: RECENT_SWITCHES,
      });
      break;
    case 'JOB_ACCEPTED':
    case 'JOB_STARTED':
    case 'JOB_FINISHED':
    case 'JOB_FAILED':
      updates.push({
        op: 'incr',
        key: 'jobs',
        field: `${STAGE_OF[event.type]}:${event.kind}`,
        by: 1,
      });
      break;
  }
  return updates;
}

/** Where each key sits in the apply script's KEYS (1-based, after the stream). */
const KEY_INDEX = Object.fromEntries(STATS_KEY_ROLES.map((role, i) => [role, i + 2])) as Record<
  StatsKeyRole,
  number
>;

/** The script's compact form: ["incr", keyIndex, field, by] and so on (stats-scripts.ts). */
export function encodeUpdates(updates: StatsUpdate[]): string {
  return JSON.stringify(
    updates.map((update) => {
      switch (update.op) {
        case 'incr':
          return ['incr', KEY_INDEX[update.key], update.field, String(update.by)];
        case 'sample':
          return ['sample', KEY_INDEX[update.key], update.value, String(update.cap)];
        case 'min':
          return ['min', KEY_INDEX[update.key], update.field, String(update.value)];
      }
    }),
  );
}

/**
 * The event of an entry, or null when the entry is trimmed, not JSON, of a type or version
 * this code does not know, or lacks a field the statistics need. Field values end up in
 * Redis hash field names, so only known kinds, providers and outcomes pass.
 */
export function parseEvent(fields: string[] | null): SpillwayEvent | null {
  if (fields === null) return null;
  const index = fields.indexOf(EVENT_FIELD);
  if (index < 0 || index % 2 !== 0 || index + 1 >= fields.length) return null;
  let event: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(fields[index + 1]);
    if (typeof parsed !== 'object' || parsed === null) return null;
    event = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  if (event.version !== EVENT_VERSION) return null;
  if (!isFiniteNumber(event.at) || !isKind(event.kind)) return null;
  switch (event.type) {
    case 'JOB_ROUTED':
      if (event.provider !== null && !isProvider(event.provider)) return null;
      if (!ROUTE_OUTCOMES.includes(event.outcome as RouteOutcome)) return null;
      if (!isFiniteNumber(event.latencyMs) || event.latencyMs < 0) return null;
      if (!Number.isInteger(event.costMicros) || (event.costMicros as number) < 0) return null;
      break;
    case 'ROUTE_SWITCHED':
      if (!isProvider(event.from) || !isProvider(event.to)) return null;
      break;
    case 'JOB_ACCEPTED':
    case 'JOB_STARTED':
    case 'JOB_FINISHED':
    case 'JOB_FAILED':
      break;
    default:
      return null;
  }
  return event as unknown as SpillwayEvent;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isKind(value: unknown): value is JobKind {
  return JOB_KINDS.includes(value as JobKind);
}

function isProvider(value: unknown): value is ProviderName {
  return PROVIDERS.includes(value as ProviderName);
}
