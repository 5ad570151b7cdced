'use strict';
// One rule for finding Redis, used by `npm start`, `npm test` and the benchmark:
// REDIS_URL (default redis://127.0.0.1:6379) when it answers, otherwise a private
// redis-server from PATH, otherwise one line that says how to get Redis.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const { Redis } = require('ioredis');

const DEFAULT_URL = 'redis://127.0.0.1:6379';

class RedisUnavailableError extends Error {}

async function pingRedis(url, timeoutMs = 1000) {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function freePort(preferred = 0) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error) => {
      if (preferred !== 0) resolve(freePort(0));
      else reject(error);
    });
    server.listen(preferred, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts a private redis-server. `persistent` keeps an append-only file in dataDir so
 * `npm start` keeps its users and coupons across restarts; tests keep nothing.
 */
async function startRedisServer({ dataDir, persistent = false, port = 0 }) {
  fs.mkdirSync(dataDir, { recursive: true });
  const chosen = await freePort(port);
  const args = [
    '--port',
    String(chosen),
    '--bind',
    '127.0.0.1',
    '--dir',
    dataDir,
    '--save',
    '',
    '--appendonly',
    persistent ? 'yes' : 'no',
    '--daemonize',
    'no',
    '--logfile',
    '',
    '--loglevel',
    'warning',
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `redis://127.0.0.1:${chosen}`;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await pingRedis(url, 300)) {
      const stop = () =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      return { url, pid: child.pid, started: true, stop };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new RedisUnavailableError(`redis-server did not start on port ${chosen}`);
}

async function ensureRedis({ dataDir, persistent = false, preferredPort = 0 } = {}) {
  const url = process.env.REDIS_URL || DEFAULT_URL;
  if (await pingRedis(url)) return { url, started: false, stop: async () => {} };
  if (!hasRedisServer()) {
    throw new RedisUnavailableError(
      `Redis is not reachable at ${url} and redis-server is not on PATH: install Redis 7 (apt-get install redis-server, brew install redis) or set REDIS_URL to a running Redis.`,
    );
  }
  return startRedisServer({ dataDir, persistent, port: preferredPort });
}

module.exports = { ensureRedis, startRedisServer, pingRedis, freePort, RedisUnavailableError };
