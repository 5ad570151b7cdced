/**
 * Retries may add at most `ratio` of recent traffic (plus a small floor), so a failing
 * provider never sees a retry storm. Two ten-second buckets approximate a sliding window.
 */
export class RetryBudget {
  private current = { requests: 0, retries: 0, startedAt: 0 };
  private previous = { requests: 0, retries: 0 };

  constructor(
    private readonly ratio = 0.2,
    private readonly floor = 5,
    private readonly bucketMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  private roll(): void {
    const now = this.now();
    if (now - this.current.startedAt < this.bucketMs) return;
    const stale = now - this.current.startedAt >= 2 * this.bucketMs;
    this.previous = stale ? { requests: 0, retries: 0 } : { ...this.current };
    this.current = { requests: 0, retries: 0, startedAt: now };
  }

  recordRequest(): void {
    this.roll();
    this.current.requests += 1;
  }

  /** Takes a retry from the budget when there is one left. */
  tryRetry(): boolean {
    this.roll();
    const requests = this.current.requests + this.previous.requests;
    const retries = this.current.retries + this.previous.retries;
    if (retries >= this.floor + requests * this.ratio) return false;
    this.current.retries += 1;
    return true;
  }
}
