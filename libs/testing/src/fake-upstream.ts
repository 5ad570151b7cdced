import { toProblem } from '@app/http';
import {
  analyzeMessage,
  closeQrRenderer,
  generateCoupons,
  PROVIDER_JOB_PATHS,
  RATE_LIMIT_HEADERS,
  renderQr,
  type CouponJobDto,
  type MessageJobDto,
  type QrJobDto,
} from '@app/jobs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from './ports';

/** How the fake answers the next job requests; switched at runtime per scenario. */
export type FakeBehaviour =
  /** A correct provider: the job's result, JSON or image bytes, with RateLimit headers. */
  | 'normal'
  /** 429 with `Retry-After: 2`. */
  | 'rate-limited'
  /** 429 without Retry-After, every time. */
  | 'rate-limited-bare'
  /** One 500, then `normal` again. */
  | 'fail-once'
  /** 503, every time. */
  | 'unavailable'
  /** The connection is destroyed before any header is written. */
  | 'reset'
  /** The request is accepted and never answered. */
  | 'hang'
  /** 200 with a Content-Length larger than what is written, then the connection closes. */
  | 'half-body'
  /** 200 `application/json` whose body does not parse. */
  | 'invalid-json'
  /** 200 with a correct body labelled `text/html`. */
  | 'wrong-content-type'
  /** 400 problem+json, as a provider answers a request it finds invalid. */
  | 'bad-request';

export interface FakeRequest {
  /** Epoch ms when the request arrived. */
  at: number;
  path: string;
  behaviour: FakeBehaviour;
}

export interface FakeUpstreamOptions {
  /** The quota the RateLimit headers report (the fake never enforces it). */
  limit?: number;
  windowMs?: number;
}

const JOB_PATHS = new Set<string>(Object.values(PROVIDER_JOB_PATHS));

/**
 * A small real HTTP server that stands in for the free provider in fault tests: timeouts,
 * resets and half-written bodies are real socket events, and every job request is logged so
 * a test can assert how many attempts reached the upstream and when.
 */
export class FakeUpstream {
  readonly log: FakeRequest[] = [];
  private behaviour: FakeBehaviour = 'normal';
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private window = { openedAt: 0, count: 0 };

  private constructor(
    readonly port: number,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  static async start(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
    const fake = new FakeUpstream(
      await freePort(),
      options.limit ?? 1000,
      options.windowMs ?? 1000,
    );
    await fake.up();
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  set(behaviour: FakeBehaviour): void {
    this.behaviour = behaviour;
  }

  /** Job requests that arrived at or after `sinceMs` (epoch ms). */
  attempts(sinceMs = 0): FakeRequest[] {
    return this.log.filter((request) => request.at >= sinceMs);
  }

  clearLog(): void {
    this.log.length = 0;
  }

  /** Listens (again) on the same port. */
  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((request, response) => this.handle(request, response));
    server.keepAliveTimeout = 30_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Goes away: the port refuses connections and open (keep-alive, hung) ones are cut. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Stops for good, QR worker threads included. */
  async close(): Promise<void> {
    await this.down();
    await closeQrRenderer();
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'POST' || !JOB_PATHS.has(path)) {
      response.writeHead(404, { 'content-type': 'application/problem+json' });
      response.end(JSON.stringify({ type: 'about:blank', title: 'Not found', status: 404 }));
      return;
    }
    const behaviour = this.behaviour;
    this.log.push({ at: Date.now(), path, behaviour });
    // Like the real provider's edge limiter, every request that arrives counts, whatever
    // happens to it next, so the gateway's model and the fake's window stay in step.
    const quota = this.countArrival();
    if (behaviour === 'fail-once') this.behaviour = 'normal';
    if (behaviour === 'reset') {
      request.socket.destroy();
      return;
    }
    if (behaviour === 'hang') return;

    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void this.answer(behaviour, path, Buffer.concat(chunks), response, quota);
    });
  }

  private async answer(
    behaviour: FakeBehaviour,
    path: string,
    body: Buffer,
    response: ServerResponse,
    quota: Record<string, string>,
  ): Promise<void> {
    switch (behaviour) {
      case 'rate-limited':
        return problem(response, 429, 'free-quota-exceeded', { 'retry-after': '2' });
      case 'rate-limited-bare':
        return problem(response, 429, 'free-quota-exceeded');
      case 'fail-once':
        return problem(response, 500, 'internal', quota);
      case 'unavailable':
        return problem(response, 503, 'unavailable', quota);
      case 'bad-request':
        return problem(response, 400, 'validation-failed', quota);
      case 'invalid-json':
        response.writeHead(200, { ...quota, 'content-type': 'application/json' });
        response.end('{"characters": 5, "words": ');
        return;
      case 'half-body': {
        const full = Buffer.from(JSON.stringify(this.result(path, body)));
        response.writeHead(200, {
          ...quota,
          'content-type': 'application/json',
          'content-length': String(full.length * 2),
        });
        response.write(full.subarray(0, Math.floor(full.length / 2)), () =>
          response.socket?.destroy(),
        );
        return;
      }
      case 'wrong-content-type':
        response.writeHead(200, { ...quota, 'content-type': 'text/html' });
        response.end(JSON.stringify(this.result(path, body)));
        return;
      case 'normal':
        return this.serve(path, body, response, quota);
      case 'reset':
      case 'hang':
        return;
    }
  }

  /** What a correct provider answers, computed by the same processors the providers use. */
  private async serve(
    path: string,
    body: Buffer,
    response: ServerResponse,
    headers: Record<string, string>,
  ): Promise<void> {
    try {
      if (path === PROVIDER_JOB_PATHS.qr) {
        const image = await renderQr(JSON.parse(body.toString('utf8')) as QrJobDto);
        response.writeHead(200, { ...headers, 'content-type': image.contentType });
        response.end(image.bytes);
        return;
      }
      response.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(this.result(path, body)));
    } catch (error) {
      const { body: document } = toProblem(error);
      response.writeHead(document.status, {
        ...headers,
        'content-type': 'application/problem+json',
      });
      response.end(JSON.stringify(document));
    }
  }

  private result(path: string, body: Buffer): unknown {
    const input: unknown = JSON.parse(body.toString('utf8'));
    return path === PROVIDER_JOB_PATHS.coupon
      ? generateCoupons(input as CouponJobDto)
      : analyzeMessage(input as MessageJobDto);
  }

  /**
   * Counts the request in a fixed window and returns the RateLimit headers the real free
   * provider would send. The 429 behaviours send none: they model a refusal the gateway did
   * not see coming, with only Retry-After (or nothing) to go on.
   */
  private countArrival(): Record<string, string> {
    const now = Date.now();
    if (now >= this.window.openedAt + this.windowMs) this.window = { openedAt: now, count: 0 };
    this.window.count += 1;
    const resetMs = this.window.openedAt + this.windowMs - now;
    return {
      [RATE_LIMIT_HEADERS.limit]: String(this.limit),
      [RATE_LIMIT_HEADERS.remaining]: String(Math.max(0, this.limit - this.window.count)),
      [RATE_LIMIT_HEADERS.reset]: String(Math.ceil(resetMs / 1000)),
      [RATE_LIMIT_HEADERS.resetMs]: String(resetMs),
    };
  }
}

function problem(
  response: ServerResponse,
  status: number,
  code: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { ...headers, 'content-type': 'application/problem+json' });
  response.end(
    JSON.stringify({
      type: `urn:spillway:problem:${code}`,
      title: `Fake upstream ${status}`,
      status,
    }),
  );
}
