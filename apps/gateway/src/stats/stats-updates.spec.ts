import { EVENT_FIELD, EVENT_VERSION } from '@app/contracts';
import { summarise } from './stats.service';
import { encodeUpdates, parseEvent, statsUpdatesFor } from './stats-updates';

const base = {
  version: EVENT_VERSION,
  at: 1_700_000_000_000,
  jobId: 'job-1',
  kind: 'message',
  userId: 'user-1',
  origin: 'sync',
};
const entry = (event: unknown) => [EVENT_FIELD, JSON.stringify(event)];

describe('stats updates of one stream entry', () => {
  it('a successful paid call counts the call, its latency sample and its cost', () => {
    const updates = statsUpdatesFor(
      entry({
        ...base,
        type: 'JOB_ROUTED',
        provider: 'paid',
        outcome: 'success',
        reason: 'quota-exhausted',
        latencyMs: 12.5,
        costMicros: 1500,
      }),
    );
    expect(updates).toEqual([
      { op: 'min', key: 'meta', field: 'startedAt', value: base.at },
      { op: 'incr', key: 'routed', field: 'message:paid:success', by: 1 },
      { op: 'incr', key: 'totals', field: 'paid', by: 1 },
      { op: 'sample', key: 'latencyPaid', value: '12.5', cap: 2000 },
      { op: 'incr', key: 'totals', field: 'paidCostMicros', by: 1500 },
    ]);
    expect(JSON.parse(encodeUpdates(updates.slice(1, 2)))).toEqual([
      ['incr', 2, 'message:paid:success', '1'], // KEYS[2]: KEYS[1] is the stream,
    ]);
  });

  it('a refusal has no provider and no sample', () => {
    const updates = statsUpdatesFor(
      entry({
        ...base,
        type: 'JOB_ROUTED',
        provider: null,
        outcome: 'refused',
        reason: 'quota-exhausted',
        latencyMs: 0,
        costMicros: 0,
      }),
    );
    expect(updates.map((u) => ('field' in u ? u.field : u.op))).toEqual([
      'startedAt',
      'message:none:refused',
      'refused',
    ]);
  });

  it.each([
    ['a trimmed entry', null],
    ['no event field', ['other', '{}']],
    ['not JSON', [EVENT_FIELD, '{nope']],
    ['an unknown type', entry({ ...base, type: 'JOB_EXPLODED' })],
    ['a newer version', entry({ ...base, version: 2, type: 'JOB_ACCEPTED' })],
    ['an unknown kind', entry({ ...base, kind: 'x:y', type: 'JOB_ACCEPTED' })],
    [
      'an unknown provider',
      entry({ ...base, type: 'ROUTE_SWITCHED', from: 'free', to: 'other', reason: 'r' }),
    ],
  ])('%s is skipped', (_label, fields) => {
    expect(parseEvent(fields)).toBeNull();
    expect(statsUpdatesFor(fields)).toEqual([{ op: 'incr', key: 'meta', field: 'skipped', by: 1 }]);
  });

  it('percentiles are nearest-rank over the samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => String(100 - i));
    expect(summarise(samples)).toEqual({ p50: 50, p95: 95, samples: 100 });
    expect(summarise([])).toEqual({ p50: null, p95: null, samples: 0 });
  });
});
