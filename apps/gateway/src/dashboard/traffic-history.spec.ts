import type { RouteRecord } from '../routing/route-events';
import { ClusterRate, HISTORY_SECONDS, TrafficHistory } from './traffic-history';

function job(overrides: Partial<RouteRecord>): RouteRecord {
  return {
    jobId: 'job-1',
    origin: 'sync',
    kind: 'message',
    provider: 'free',
    outcome: 'success',
    reason: 'free-quota',
    latencyMs: 5,
    costMicros: 0,
    userId: 'u1',
    plan: 'paid',
    ...overrides,
  };
}

describe('TrafficHistory', () => {
  let now: number;
  let history: TrafficHistory;

  beforeEach(() => {
    now = 1_700_000_000_000;
    history = new TrafficHistory(() => now);
  });

  it('counts served, refused and failed jobs and the paid cost', () => {
    history.record(job({}));
    history.record(job({ provider: 'paid', reason: 'quota-exhausted', costMicros: 200 }));
    history.record(job({ provider: null, outcome: 'refused', reason: 'quota-exhausted' }));
    history.record(job({ outcome: 'failure', failure: 'timeout' }));
    history.record(job({ outcome: 'client-error' }));
    expect(history.totals).toEqual({
      free: 1,
      paid: 1,
      refused: 1,
      failed: 1,
      paidCostMicros: 200,
    });
  });

  it('keeps one bucket per second for the last five minutes only', () => {
    history.record(job({}));
    now += 1000;
    history.record(job({ provider: 'paid' }));
    history.record(job({ provider: 'paid' }));
    let series = history.series();
    expect(series.free).toHaveLength(HISTORY_SECONDS);
    expect(series.free.slice(-2)).toEqual([1, 0]);
    expect(series.paid.slice(-2)).toEqual([0, 2]);
    expect(series.startAt + (HISTORY_SECONDS - 1) * 1000).toBe(Math.floor(now / 1000) * 1000);

    now += HISTORY_SECONDS * 1000;
    series = history.series();
    expect(series.free.every((v) => v === 0)).toBe(true);
    expect(series.paid.every((v) => v === 0)).toBe(true);
  });

  it('lists changes of provider with their reason, newest first, bounded', () => {
    history.record(job({}));
    history.record(job({}));
    history.record(job({ provider: 'paid', reason: 'quota-exhausted' }));
    history.record(job({ provider: null, outcome: 'refused', reason: 'quota-exhausted' }));
    history.record(job({ reason: 'free-quota' }));
    expect(history.latestSwitches().map(({ from, to, reason }) => [from, to, reason])).toEqual([
      ['paid', 'free', 'free-quota'],
      ['free', 'paid', 'quota-exhausted'],
    ]);
    for (let i = 0; i < 50; i += 1) history.record(job({ provider: i % 2 ? 'free' : 'paid' }));
    expect(history.latestSwitches()).toHaveLength(20);
  });
});

describe('ClusterRate', () => {
  it('turns samples of the shared totals into jobs per second', () => {
    let now = 1_700_000_000_000;
    const rate = new ClusterRate(() => now);
    rate.sample({ free: 10, paid: 0, refused: 0 });
    now += 1000;
    rate.sample({ free: 14, paid: 1, refused: 0 });
    now += 500;
    rate.sample({ free: 15, paid: 3, refused: 2 });
    now += 500;
    rate.sample({ free: 15, paid: 5, refused: 2 });
    const series = rate.series();
    expect(series.free.slice(-3)).toEqual([0, 5, 0]);
    expect(series.paid.slice(-3)).toEqual([0, 3, 2]);
    expect(series.refused.slice(-3)).toEqual([0, 2, 0]);
    now += HISTORY_SECONDS * 1000;
    expect(rate.series().paid.every((v) => v === 0)).toBe(true);
  });
});
