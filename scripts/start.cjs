'use strict';
// `npm start`: build if needed, find or start Redis, run the four apps with working
// defaults, print where each listens, and stop everything on Ctrl-C.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { buildIfStale } = require('./build.cjs');
const { ensureRedis, RedisUnavailableError } = require('./redis.cjs');
/** V8 flags per app (heap sizing for the gateway): the same wherever the apps run. */
const NODE_FLAGS = require('../apps/node-flags.json');

const root = path.resolve(__dirname, '..');
const stateDir = path.join(root, '.spillway');
const logDir = path.join(stateDir, 'logs');

const APPS = [
  { name: 'users', port: 3001 },
  { name: 'free-provider', port: 3002 },
  { name: 'paid-provider', port: 3003 },
  { name: 'gateway', port: 3000 },
];

function adminDefaults() {
  // A local admin so the dashboard works out of the box; its password stays on this machine.
  if (process.env.ADMIN_EMAIL && process.env.ADMIN_PASSWORD) return {};
  const file = path.join(stateDir, 'admin-password');
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, require('node:crypto').randomBytes(12).toString('base64url'), {
      mode: 0o600,
    });
  }
  return { ADMIN_EMAIL: 'admin@spillway.local', ADMIN_PASSWORD: fs.readFileSync(file, 'utf8') };
}

async function waitHealthy(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function main() {
  fs.mkdirSync(logDir, { recursive: true });
  buildIfStale();
  let redis;
  try {
    redis = await ensureRedis({
      dataDir: path.join(stateDir, 'redis'),
      persistent: true,
      preferredPort: 6390,
    });
  } catch (error) {
    if (error instanceof RedisUnavailableError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  console.log(
    `redis          ${redis.url}${redis.started ? ' (private, data in .spillway/redis)' : ''}`,
  );

  const env = { ...process.env, REDIS_URL: redis.url, ...adminDefaults() };
  delete env.PORT;
  const children = [];
  let stopping = false;

  const stopAll = async (code) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    await redis.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  for (const app of APPS) {
    const log = fs.createWriteStream(path.join(logDir, `${app.name}.log`), { flags: 'a' });
    const child = spawn(
      process.execPath,
      [...NODE_FLAGS[app.name], path.join(root, 'dist/apps', app.name, 'src/main.js')],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.pipe(log);
    child.stderr.on('data', (chunk) => process.stderr.write(`[${app.name}] ${chunk}`));
    child.stderr.pipe(log);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      console.error(`${app.name} exited (${signal ?? code}); see .spillway/logs/${app.name}.log`);
      void stopAll(1);
    });
    children.push({ app, child });
  }

  const ready = await Promise.all(
    children.map(({ app, child }) => waitHealthy(`http://127.0.0.1:${app.port}`, child, 60_000)),
  );
  if (ready.includes(false)) {
    children.forEach(({ app }, i) => {
      if (!ready[i])
        console.error(`${app.name} did not become healthy; see .spillway/logs/${app.name}.log`);
    });
    return stopAll(1);
  }
  for (const { app } of children) {
    const url = `http://127.0.0.1:${app.port}`;
    console.log(`${app.name.padEnd(14)} ${url}  (docs ${url}/docs)`);
  }
  if (env.ADMIN_EMAIL)
    console.log(`admin          ${env.ADMIN_EMAIL} / password in .spillway/admin-password`);
  console.log('dashboard      http://127.0.0.1:3000/dashboard');
  console.log('logs           .spillway/logs/*.log    Ctrl-C stops everything');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
