import type { JobKind, Plan, ProviderName, Role } from '@app/contracts';

export const JOB_STATUSES = [
  'queued',
  'deferred',
  'running',
  'done',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** An async job as stored in Redis: what GET /jobs/:id reads, whatever BullMQ does. */
export interface JobRecord {
  id: string;
  kind: JobKind;
  owner: string;
  ownerEmail: string;
  plan: Plan;
  role: Role;
  status: JobStatus;
  payload: unknown;
  /** Epoch ms by which the job should be done; null when the caller gave no deadline. */
  deadlineAt: number | null;
  callbackUrl: string | null;
  /** Acceptance order, used to release deferred jobs in order. */
  seq: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  attempts: number;
  provider: ProviderName | null;
  reason: string | null;
  result: unknown;
  error: string | null;
  deferredUntil: number | null;
  callback: 'none' | 'pending' | 'delivered' | 'failed';
}

const JSON_FIELDS = new Set(['payload', 'result']);
const NUMBER_FIELDS = new Set([
  'deadlineAt',
  'seq',
  'createdAt',
  'startedAt',
  'finishedAt',
  'attempts',
  'deferredUntil',
]);

export function toHash(record: Partial<JobRecord>): Record<string, string> {
  const hash: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (value === null) hash[key] = '';
    else if (!JSON_FIELDS.has(key) && (typeof value === 'string' || typeof value === 'number')) {
      hash[key] = String(value);
    } else hash[key] = JSON.stringify(value);
  }
  return hash;
}

export function fromHash(hash: Record<string, string>): JobRecord | null {
  if (!hash.id) return null;
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(hash)) {
    if (JSON_FIELDS.has(key)) record[key] = value === '' ? null : (JSON.parse(value) as unknown);
    else if (NUMBER_FIELDS.has(key)) record[key] = value === '' ? null : Number(value);
    else record[key] = value === '' ? null : value;
  }
  return record as unknown as JobRecord;
}
