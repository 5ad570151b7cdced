import { FreeQuota } from './free-quota';

function quotaAt(start: number, settings = { limit: 3, windowMs: 1000, blockMs: 5000 }) {
  const clock = { now: start };
  return { quota: new FreeQuota(settings, () => clock.now), clock };
}

describe('FreeQuota', () => {
  it('opens a window at the first accepted request and counts down', () => {
    const { quota, clock } = quotaAt(10_000);
    expect(quota.status()).toEqual({ limit: 3, remaining: 3, resetMs: 0 });
    expect(quota.stats()).toMatchObject({ windowOpenedAt: null, windowCount: 0 });

    expect(quota.admit()).toEqual({ accepted: true, limit: 3, remaining: 2, resetMs: 1000 });
    clock.now += 400;
    expect(quota.admit()).toEqual({ accepted: true, limit: 3, remaining: 1, resetMs: 600 });
    expect(quota.admit()).toEqual({ accepted: true, limit: 3, remaining: 0, resetMs: 600 });
    expect(quota.stats()).toMatchObject({ accepted: 3, windowOpenedAt: 10_000, windowCount: 3 });
  });

  it('accepts at window end - 1 ms in the old window and at window end in a new one', () => {
    const { quota, clock } = quotaAt(0);
    quota.admit();
    quota.admit();
    clock.now = 999;
    expect(quota.admit()).toMatchObject({ accepted: true, remaining: 0, resetMs: 1 });
    expect(quota.stats()).toMatchObject({ windowOpenedAt: 0, windowCount: 3 });
    clock.now = 1000;
    expect(quota.admit()).toMatchObject({ accepted: true, remaining: 2, resetMs: 1000 });
    expect(quota.stats()).toMatchObject({ windowOpenedAt: 1000, windowCount: 1, rejected: 0 });
  });

  it('over the limit at window end - 1 ms: 429 and blocked for blockMs from then', () => {
    const { quota, clock } = quotaAt(0);
    for (let i = 0; i < 3; i++) quota.admit();
    clock.now = 999;
    expect(quota.admit()).toEqual({ accepted: false, limit: 3, remaining: 0, resetMs: 5000 });
    expect(quota.stats()).toMatchObject({ blockedUntil: 5999, rejected: 1, accepted: 3 });

    // The window ends at 1000 but the block goes on; requests in it are rejected, count,
    // open no window and do not extend the block.
    for (const at of [1000, 3000, 5998]) {
      clock.now = at;
      expect(quota.admit()).toEqual({
        accepted: false,
        limit: 3,
        remaining: 0,
        resetMs: 5999 - at,
      });
      expect(quota.stats()).toMatchObject({ windowOpenedAt: null, windowCount: 0 });
    }
    expect(quota.stats()).toMatchObject({ blockedUntil: 5999, rejected: 4, accepted: 3 });

    clock.now = 5999;
    expect(quota.admit()).toEqual({ accepted: true, limit: 3, remaining: 2, resetMs: 1000 });
    expect(quota.stats()).toEqual({
      accepted: 4,
      rejected: 4,
      limit: 3,
      windowMs: 1000,
      blockMs: 5000,
      windowOpenedAt: 5999,
      windowCount: 1,
      blockedUntil: null,
    });
  });

  it('blocks until the window end when that is later than now + blockMs', () => {
    const { quota, clock } = quotaAt(0, { limit: 2, windowMs: 10_000, blockMs: 1000 });
    quota.admit();
    quota.admit();
    clock.now = 2000;
    expect(quota.admit()).toMatchObject({ accepted: false, resetMs: 8000 });
    expect(quota.stats().blockedUntil).toBe(10_000);
    clock.now = 9999;
    expect(quota.admit()).toMatchObject({ accepted: false, resetMs: 1 });
    clock.now = 10_000;
    expect(quota.admit()).toMatchObject({ accepted: true, remaining: 1, resetMs: 10_000 });
  });

  it('with blockMs 0 still blocks until the window ends', () => {
    const { quota, clock } = quotaAt(0, { limit: 1, windowMs: 1000, blockMs: 0 });
    quota.admit();
    clock.now = 500;
    expect(quota.admit()).toMatchObject({ accepted: false, resetMs: 500 });
    clock.now = 1000;
    expect(quota.admit()).toMatchObject({ accepted: true });
  });

  it('status and stats never count', () => {
    const { quota } = quotaAt(0);
    quota.admit();
    for (let i = 0; i < 10; i++) {
      quota.status();
      quota.stats();
    }
    expect(quota.stats()).toMatchObject({ accepted: 1, rejected: 0, windowCount: 1 });
    expect(quota.status()).toEqual({ limit: 3, remaining: 2, resetMs: 1000 });
  });
});
