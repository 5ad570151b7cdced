import { APP_CONFIG } from '@app/config';
import { API_KEY_HEADER, IDEMPOTENCY_KEY_HEADER } from '@app/jobs';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { GatewayConfig } from '../gateway.config';
import type { JobRequest } from './job-answer';
import { ProviderCaller } from './provider-caller';
import type { ProviderOutcome } from './provider-outcome';

/** Keep-alive connections per provider and process: enough for high concurrency. */
const POOL_CONNECTIONS = 128;

@Injectable()
export class FreeProviderClient implements OnApplicationShutdown {
  private readonly caller: ProviderCaller;

  constructor(@Inject(APP_CONFIG) private readonly config: GatewayConfig) {
    this.caller = new ProviderCaller('free', config.FREE_PROVIDER_URL, POOL_CONNECTIONS);
  }

  /** `timeoutMs`: what is left of the request's free time budget (a retry gets the rest). */
  call(
    request: JobRequest,
    requestId?: string,
    idempotencyKey?: string,
    timeoutMs = this.config.FREE_TIMEOUT_MS,
  ): Promise<ProviderOutcome<unknown>> {
    return this.caller.call(request, {
      timeoutMs,
      requestId,
      headers: idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } : undefined,
    });
  }

  onApplicationShutdown(): Promise<void> {
    return this.caller.close();
  }
}

@Injectable()
export class PaidProviderClient implements OnApplicationShutdown {
  private readonly caller: ProviderCaller;

  constructor(@Inject(APP_CONFIG) private readonly config: GatewayConfig) {
    this.caller = new ProviderCaller('paid', config.PAID_PROVIDER_URL, POOL_CONNECTIONS);
  }

  call(
    request: JobRequest,
    requestId?: string,
    idempotencyKey?: string,
  ): Promise<ProviderOutcome<unknown>> {
    return this.caller.call(request, {
      timeoutMs: this.config.PAID_TIMEOUT_MS,
      requestId,
      headers: {
        [API_KEY_HEADER]: this.config.PAID_PROVIDER_API_KEY,
        ...(idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } : {}),
      },
    });
  }

  onApplicationShutdown(): Promise<void> {
    return this.caller.close();
  }
}
