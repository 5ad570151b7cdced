import { RetryBudget } from './retry-budget';

describe('RetryBudget', () => {
  it('allows the floor, then a share of the traffic, then nothing', () => {
    let now = 0;
    const budget = new RetryBudget(0.1, 2, 10_000, () => now);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    let granted = 0;
    while (budget.tryRetry()) granted += 1;
    expect(granted).toBe(12);
    now += 25_000;
    expect(budget.tryRetry()).toBe(true);
  });
});
