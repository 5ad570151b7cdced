import type { AuthenticatedUser } from '@app/contracts';
import { TooManyRequestsError } from '@app/http';
import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerRequest,
} from '@nestjs/throttler';

/**
 * USER_RATE_LIMIT_PER_MIN per user, counted in Redis across replicas. Runs after the JWT
 * guard, so it keys on the user rather than the IP. If Redis cannot count, it lets the
 * request through: routing has its own answer to a dead Redis.
 */
@Injectable()
export class UserRateLimitGuard extends ThrottlerGuard {
  private readonly log = new Logger(UserRateLimitGuard.name);

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const user = request.user as AuthenticatedUser | undefined;
    return Promise.resolve(user ? `user:${user.id}` : `ip:${String(request.ip)}`);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    try {
      return await super.handleRequest(props);
    } catch (error) {
      if (error instanceof TooManyRequestsError) throw error;
      this.log.warn(
        `rate limit not checked: ${error instanceof Error ? error.message : String(error)}`,
      );
      return true;
    }
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequestsError(
      'user-rate-limited',
      `At most ${detail.limit} requests per minute per user.`,
      Math.max(1, detail.timeToBlockExpire) * 1000,
    );
  }
}
