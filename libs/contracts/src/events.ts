import type { JobKind, Plan, ProviderName } from './domain';

/**
 * Lifecycle events on the Redis Stream `<prefix>events`. DO NOT RENAME: names and
 * versions are read by consumers that may run older or newer code. A change to a
 * payload's meaning gets a new version; consumers skip versions they do not know.
 */
export const EVENT_TYPES = [
  'JOB_ACCEPTED',
  'JOB_ROUTED',
  'JOB_STARTED',
  'JOB_FINISHED',
  'JOB_FAILED',
  'ROUTE_SWITCHED',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_VERSION = 1;

/** Where a provider call came from. */
export type JobOrigin = 'sync' | 'async' | 'stock';

export interface SpillwayEventBase {
  type: EventType;
  version: number;
  /** Epoch ms when the event happened. */
  at: number;
  jobId: string;
  kind: JobKind;
  userId: string;
  origin: JobOrigin;
}

export interface JobAcceptedEvent extends SpillwayEventBase {
  type: 'JOB_ACCEPTED';
  plan: Plan;
  deadlineMs: number | null;
}

/** One provider call (or refusal) made for a job, sync or async. */
export interface JobRoutedEvent extends SpillwayEventBase {
  type: 'JOB_ROUTED';
  provider: ProviderName | null;
  outcome: 'success' | 'client-error' | 'failure' | 'refused';
  reason: string;
  latencyMs: number;
  costMicros: number;
}

export interface JobStartedEvent extends SpillwayEventBase {
  type: 'JOB_STARTED';
  attempt: number;
}

export interface JobFinishedEvent extends SpillwayEventBase {
  type: 'JOB_FINISHED';
  provider: ProviderName;
  reason: string;
  durationMs: number;
}

export interface JobFailedEvent extends SpillwayEventBase {
  type: 'JOB_FAILED';
  provider: ProviderName | null;
  reason: string;
  error: string;
}

/** The provider serving jobs changed (free → paid or back), as one replica saw it. */
export interface RouteSwitchedEvent extends SpillwayEventBase {
  type: 'ROUTE_SWITCHED';
  from: ProviderName;
  to: ProviderName;
  reason: string;
}

export type SpillwayEvent =
  | JobAcceptedEvent
  | JobRoutedEvent
  | JobStartedEvent
  | JobFinishedEvent
  | JobFailedEvent
  | RouteSwitchedEvent;

/** Stream entries carry one field, `event`, holding the JSON of a SpillwayEvent. */
export const EVENT_FIELD = 'event';

/** An event as its producer writes it: version and time are filled in on publish. */
export type NewSpillwayEvent = SpillwayEvent extends infer E
  ? E extends SpillwayEvent
    ? Omit<E, 'version' | 'at'> & { at?: number }
    : never
  : never;
