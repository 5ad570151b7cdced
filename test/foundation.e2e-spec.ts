import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startApp, stopAll, uniquePrefix, type AppName, type AppProcess } from '@app/testing';

const APPS: AppName[] = ['gateway', 'users', 'free-provider', 'paid-provider'];

describe('every app as a real process', () => {
  const running: AppProcess[] = [];
  const prefix = uniquePrefix('foundation');

  beforeAll(async () => {
    running.push(
      ...(await Promise.all(
        APPS.map((name) => startApp(name, { env: { REDIS_KEY_PREFIX: prefix } })),
      )),
    );
  });

  afterAll(() => stopAll(running));

  it.each(APPS)('%s answers /health, /docs and /docs-json', async (name) => {
    const app = running.find((candidate) => candidate.name === name)!;
    const health = await fetch(`${app.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const docs = await fetch(`${app.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
    const openapi = (await (await fetch(`${app.url}/docs-json`)).json()) as { openapi: string };
    expect(openapi.openapi).toMatch(/^3\./);
  });

  it.each(APPS)(
    '%s answers an unknown route with 404 problem+json and a request id',
    async (name) => {
      const app = running.find((candidate) => candidate.name === name)!;
      const res = await fetch(`${app.url}/no/such/route`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    },
  );

  it.each(APPS)('%s answers a malformed JSON body with 400 problem+json', async (name) => {
    const app = running.find((candidate) => candidate.name === name)!;
    const res = await fetch(`${app.url}/health`, {
      method: 'POST',
      body: '{bad',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'urn:spillway:problem:malformed-json' });
  });

  it('writes JSON log lines', () => {
    const gateway = running.find((candidate) => candidate.name === 'gateway')!;
    const parsed = gateway.lines.map((line) => JSON.parse(line) as { app: string; level: number });
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsed.every((line) => line.app === 'gateway')).toBe(true);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const app = await startApp('paid-provider');
    expect(await app.stop('SIGTERM')).toBe(0);
  });
});

describe('configuration errors', () => {
  it.each<[AppName, Record<string, string>, string]>([
    [
      'gateway',
      { PORT: 'abc' },
      'Invalid environment: PORT must be a port number (1-65535) (got "abc")',
    ],
    [
      'free-provider',
      { FREE_QUOTA_LIMIT: '-1' },
      'Invalid environment: FREE_QUOTA_LIMIT must be an integer',
    ],
    ['users', { REDIS_URL: 'not a url' }, 'Invalid environment: REDIS_URL must be a URL'],
    [
      'gateway',
      { GATEWAY_MODE: 'both' },
      'Invalid environment: GATEWAY_MODE must be one of all, api, worker',
    ],
  ])('%s stops with one line for %j', (name, env, message) => {
    const result = spawnSync(
      process.execPath,
      [resolve(__dirname, '../dist/apps', name, 'src/main.js')],
      { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 10_000 },
    );
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(result.stdout).toBe('');
  });
});
