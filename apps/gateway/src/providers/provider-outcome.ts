import type { ProviderName } from '@app/contracts';

/** Why a provider call did not give a usable answer. Each one counts against the provider. */
export type FailureKind =
  | 'timeout'
  | 'connection'
  | 'status-5xx'
  | 'unexpected-status'
  | 'malformed'
  | 'truncated'
  | 'wrong-content-type';

/** A provider answered with a usable job result. */
export interface ProviderSuccess<T> {
  type: 'success';
  provider: ProviderName;
  value: T;
  headers: Record<string, string | string[] | undefined>;
  latencyMs: number;
}

/** 400/422: the caller's input is wrong; passed back unchanged, never retried. */
export interface ProviderClientError {
  type: 'client-error';
  status: number;
  contentType: string;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export interface ProviderRateLimited {
  type: 'rate-limited';
  retryAfterMs: number | null;
  headers: Record<string, string | string[] | undefined>;
}

export interface ProviderFailure {
  type: 'failure';
  kind: FailureKind;
  detail: string;
  latencyMs: number;
  headers?: Record<string, string | string[] | undefined>;
}

export type ProviderOutcome<T> =
  ProviderSuccess<T> | ProviderClientError | ProviderRateLimited | ProviderFailure;
