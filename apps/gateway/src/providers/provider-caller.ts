import type { ProviderName } from '@app/contracts';
import { PROVIDER_JOB_PATHS } from '@app/jobs';
import { errors, Pool } from 'undici';
import { MalformedAnswer, readJobAnswer, type JobRequest } from './job-answer';
import type { FailureKind, ProviderOutcome } from './provider-outcome';

export interface CallOptions {
  timeoutMs: number;
  requestId?: string;
  headers?: Record<string, string>;
}

function classify(error: unknown): { kind: FailureKind; detail: string } {
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  ) {
    return { kind: 'timeout', detail: 'the provider did not answer in time' };
  }
  if (error instanceof errors.ResponseContentLengthMismatchError) {
    return { kind: 'truncated', detail: 'the body ended before Content-Length' };
  }
  if (error instanceof errors.SocketError) {
    return { kind: 'truncated', detail: `the connection closed mid-answer (${error.message})` };
  }
  const code = (error as { code?: unknown }).code;
  return {
    kind: 'connection',
    detail: typeof code === 'string' ? code : error instanceof Error ? error.message : 'error',
  };
}

function retryAfterMs(headers: Record<string, string | string[] | undefined>): number | null {
  const exact = Number(headers['x-ratelimit-reset-ms']);
  if (Number.isFinite(exact) && exact > 0) return exact;
  const seconds = Number(headers['retry-after']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}

/**
 * Calls one provider over a keep-alive pool and classifies the answer. Never throws: every
 * way a call can go wrong becomes an outcome the router decides on.
 */
export class ProviderCaller {
  private readonly pool: Pool;

  constructor(
    readonly provider: ProviderName,
    baseUrl: string,
    connections: number,
  ) {
    this.pool = new Pool(baseUrl, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
    });
  }

  async call(request: JobRequest, options: CallOptions): Promise<ProviderOutcome<unknown>> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    // The whole call (headers and body) within timeoutMs. Not AbortSignal.timeout: its timer
    // cannot be cleared, so every call's signal and listeners would live for the full timeout,
    // surviving into the old generation by the thousand under load.
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new DOMException('timed out', 'TimeoutError')),
      options.timeoutMs,
    );
    try {
      const response = await this.pool.request({
        path: PROVIDER_JOB_PATHS[request.kind],
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
          ...options.headers,
        },
        body: JSON.stringify(request.body),
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        signal: abort.signal,
      });
      const body = Buffer.from(await response.body.arrayBuffer());
      const { headers, statusCode } = response;
      const contentType = String(headers['content-type'] ?? '');
      if (statusCode >= 200 && statusCode < 300) {
        try {
          const value = readJobAnswer(request, contentType, body);
          return { type: 'success', provider: this.provider, value, headers, latencyMs: elapsed() };
        } catch (error) {
          if (!(error instanceof MalformedAnswer)) throw error;
          return {
            type: 'failure',
            kind: error.kind,
            detail: error.message,
            latencyMs: elapsed(),
            headers,
          };
        }
      }
      if (statusCode === 400 || statusCode === 422) {
        return { type: 'client-error', status: statusCode, contentType, body, headers };
      }
      if (statusCode === 429) {
        return { type: 'rate-limited', retryAfterMs: retryAfterMs(headers), headers };
      }
      return {
        type: 'failure',
        kind: statusCode >= 500 ? 'status-5xx' : 'unexpected-status',
        detail: `the provider answered ${statusCode}`,
        latencyMs: elapsed(),
        headers,
      };
    } catch (error) {
      return { type: 'failure', ...classify(error), latencyMs: elapsed() };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
