import { DomainError, ServiceUnavailableError, TooManyRequestsError } from '@app/http';
import type { ProviderClientError } from '../providers/provider-outcome';

const PROBLEM_PREFIX = 'urn:spillway:problem:';

/** A free-plan user found no free quota (DESIGN.md: 429 with Retry-After and retryAfterMs). */
export class FreeQuotaExhaustedError extends TooManyRequestsError {
  constructor(retryAfterMs: number, reason: string) {
    super(
      'free-quota-exhausted',
      `The free quota is used up (${reason}) and your plan does not include paid calls. Retry after the window resets, or send "Prefer: wait=N" to wait up to N seconds.`,
      retryAfterMs,
    );
  }
}

export class FreeUnavailableError extends ServiceUnavailableError {
  constructor(retryAfterMs: number) {
    super(
      'free-provider-unavailable',
      'The free provider is failing and your plan does not include paid calls.',
      retryAfterMs,
    );
  }
}

export class QuotaStoreUnavailableError extends ServiceUnavailableError {
  constructor() {
    super(
      'quota-store-unavailable',
      'The shared quota counter cannot be reached, so free capacity cannot be reserved safely.',
      1000,
    );
  }
}

export class PaidUnavailableError extends ServiceUnavailableError {
  constructor(detail: string) {
    super(
      'paid-provider-unavailable',
      `The paid provider could not serve the job: ${detail}.`,
      1000,
    );
  }
}

/** A provider's 400/422, passed back with its own problem document. */
export class UpstreamClientError extends DomainError {
  constructor(answer: ProviderClientError) {
    let document: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(answer.body.toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null)
        document = parsed as Record<string, unknown>;
    } catch {
      // not JSON: the status and a generic title remain
    }
    const { type, title, status, detail, instance, ...extensions } = document;
    const code =
      typeof type === 'string' && type.startsWith(PROBLEM_PREFIX)
        ? type.slice(PROBLEM_PREFIX.length)
        : 'invalid-job';
    super(code, answer.status, typeof title === 'string' ? title : 'Invalid job', {
      detail: typeof detail === 'string' ? detail : undefined,
      extensions,
    });
  }
}

/** Free-only work (stock refills) found no idle free capacity; the caller tries later. */
export class NoIdleFreeCapacityError extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterMs: number,
  ) {
    super(`no idle free capacity (${reason})`);
  }
}
