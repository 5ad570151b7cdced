import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, tap, type Observable } from 'rxjs';
import { COST_HEADER } from './provider-api';

/** A caller that retries a job sends the same key; the provider does the work once. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAY_HEADER = 'idempotent-replayed';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,200}$/;
const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 50_000;
const REPLAYED_HEADERS = ['content-type', COST_HEADER];

interface Answer {
  value: unknown;
  headers: Record<string, string>;
}

interface Entry {
  answer: Promise<Answer>;
  expiresAt: number;
}

/** Answers by (route, Idempotency-Key), kept for ten minutes. In memory: one instance. */
@Injectable()
export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  static keyOf(request: FastifyRequest): string | null {
    const header = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (typeof header !== 'string' || !KEY_PATTERN.test(header)) return null;
    return `${request.routeOptions.url ?? request.url}|${header}`;
  }

  /** True when this key was already admitted: a retry that must not count again. */
  knows(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (entry.expiresAt > Date.now()) return true;
    this.entries.delete(key);
    return false;
  }

  get(key: string): Promise<Answer> | undefined {
    return this.knows(key) ? this.entries.get(key)?.answer : undefined;
  }

  begin(key: string): { resolve(answer: Answer): void; reject(error: unknown): void } {
    let resolve!: (answer: Answer) => void;
    let reject!: (error: unknown) => void;
    const answer = new Promise<Answer>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    answer.catch(() => undefined);
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { answer, expiresAt: Date.now() + TTL_MS });
    return {
      resolve,
      reject: (error) => {
        // A failed attempt is not remembered: the retry does the work for real.
        this.entries.delete(key);
        reject(error);
      },
    };
  }
}

/**
 * Replays the answer of an earlier request with the same Idempotency-Key instead of doing
 * (and billing) the job again; a retry that arrives while the first is still running waits
 * for it. Runs after guards, so a replay never skips authentication.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly cache: IdempotencyCache) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const key = IdempotencyCache.keyOf(request);
    if (!key) return next.handle();
    const earlier = this.cache.get(key);
    if (earlier) {
      return from(
        earlier.then(({ value, headers }) => {
          void reply.headers({
            ...headers,
            [COST_HEADER]: '0',
            [IDEMPOTENT_REPLAY_HEADER]: 'true',
          });
          return value;
        }),
      );
    }
    const pending = this.cache.begin(key);
    return next.handle().pipe(
      tap({
        next: (value) => {
          const headers: Record<string, string> = {};
          for (const name of REPLAYED_HEADERS) {
            const header = reply.getHeader(name);
            if (header !== undefined) headers[name] = String(header);
          }
          pending.resolve({ value, headers });
        },
        error: (error: unknown) => pending.reject(error),
      }),
    );
  }
}
