import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from './ports';
import { testRedisUrl } from './redis';

export type AppName = 'gateway' | 'users' | 'free-provider' | 'paid-provider';

export interface AppProcess {
  name: AppName;
  url: string;
  port: number;
  child: ChildProcess;
  /** Every stdout/stderr line the process wrote, in order. */
  lines: string[];
  /** Sends a signal and resolves with the exit code (null when killed by the signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string | number | undefined>;
  /** Resolve as soon as /health answers at all (use when a dependency is meant to be down). */
  acceptDegraded?: boolean;
  timeoutMs?: number;
}

const ROOT = resolve(__dirname, '../../..');

/** The V8 flags an app runs with everywhere (apps/node-flags.json), so tests run it the same way. */
export function nodeFlags(name: AppName): string[] {
  const flags = JSON.parse(readFileSync(resolve(ROOT, 'apps/node-flags.json'), 'utf8')) as Record<
    AppName,
    string[]
  >;
  return flags[name];
}

/**
 * Runs an app from dist/ as a real process on a free port (the e2e global setup builds
 * dist first) and waits until its /health answers.
 */
export async function startApp(name: AppName, options: StartOptions = {}): Promise<AppProcess> {
  const port = Number(options.env?.PORT ?? (await freePort()));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    REDIS_URL: testRedisUrl(),
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined) env[key] = String(value);
  }
  env.PORT = String(port);
  const child = spawn(
    process.execPath,
    [...nodeFlags(name), resolve(ROOT, 'dist/apps', name, 'src/main.js')],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  const app: AppProcess = {
    name,
    url,
    port,
    child,
    lines,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  await waitForHealth(app, options.acceptDegraded ?? false, options.timeoutMs ?? 20_000);
  return app;
}

async function waitForHealth(app: AppProcess, acceptDegraded: boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null) {
      throw new Error(`${app.name} exited with ${app.child.exitCode}:\n${app.lines.join('\n')}`);
    }
    try {
      const res = await fetch(`${app.url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok || acceptDegraded) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await app.stop('SIGKILL');
  throw new Error(`${app.name} not healthy after ${timeoutMs} ms:\n${app.lines.join('\n')}`);
}

/** Stops every app given, ignoring ones already gone. */
export async function stopAll(apps: Array<AppProcess | undefined>): Promise<void> {
  await Promise.all(apps.flatMap((app) => (app ? [app.stop()] : [])));
}
