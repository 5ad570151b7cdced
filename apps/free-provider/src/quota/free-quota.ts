import type { FreeProviderStats } from '@app/jobs';

export interface FreeQuotaSettings {
  limit: number;
  windowMs: number;
  blockMs: number;
}

/** Epoch milliseconds; injected so tests can stand exactly on a window edge. */
export type Clock = () => number;

/** What the RateLimit-* headers report. */
export interface QuotaStatus {
  limit: number;
  remaining: number;
  /** Until the block or the window ends; 0 when neither is running. */
  resetMs: number;
}

export interface Admission extends QuotaStatus {
  accepted: boolean;
}

/**
 * The free upstream's quota, exactly as DESIGN.md states it. A window opens at the first
 * accepted request while none is open and covers [openedAt, openedAt + windowMs). At most
 * `limit` requests are accepted in it. The first request over the limit blocks the provider
 * until max(window end, now + blockMs), i.e. [now, blockedUntil); every request meanwhile is
 * rejected, and rejected requests never open a window nor extend the block.
 */
export class FreeQuota {
  private accepted = 0;
  private rejected = 0;
  private windowOpenedAt: number | null = null;
  private windowCount = 0;
  private blockedUntil: number | null = null;

  constructor(
    private readonly settings: FreeQuotaSettings,
    private readonly clock: Clock = Date.now,
  ) {}

  /** Decides one request and counts it. */
  admit(): Admission {
    const now = this.clock();
    this.expire(now);
    if (this.blockedUntil === null && this.windowCount < this.settings.limit) {
      this.windowOpenedAt ??= now;
      this.windowCount++;
      this.accepted++;
      return { accepted: true, ...this.statusAt(now) };
    }
    if (this.blockedUntil === null) {
      this.blockedUntil = Math.max(this.windowEnd(), now + this.settings.blockMs);
    }
    this.rejected++;
    return { accepted: false, ...this.statusAt(now) };
  }

  /** The state without counting anything. */
  status(): QuotaStatus {
    const now = this.clock();
    this.expire(now);
    return this.statusAt(now);
  }

  stats(): FreeProviderStats {
    this.expire(this.clock());
    return {
      accepted: this.accepted,
      rejected: this.rejected,
      limit: this.settings.limit,
      windowMs: this.settings.windowMs,
      blockMs: this.settings.blockMs,
      windowOpenedAt: this.windowOpenedAt,
      windowCount: this.windowCount,
      blockedUntil: this.blockedUntil,
    };
  }

  private windowEnd(): number {
    return (this.windowOpenedAt ?? 0) + this.settings.windowMs;
  }

  private expire(now: number): void {
    if (this.blockedUntil !== null && now >= this.blockedUntil) this.blockedUntil = null;
    if (this.windowOpenedAt !== null && now >= this.windowEnd()) {
      this.windowOpenedAt = null;
      this.windowCount = 0;
    }
  }

  private statusAt(now: number): QuotaStatus {
    const { limit } = this.settings;
    if (this.blockedUntil !== null) {
      return { limit, remaining: 0, resetMs: this.blockedUntil - now };
    }
    if (this.windowOpenedAt !== null) {
      return { limit, remaining: limit - this.windowCount, resetMs: this.windowEnd() - now };
    }
    return { limit, remaining: limit, resetMs: 0 };
  }
}
