'use strict';
// Every process the bench starts goes through here, so one place can stop them all: in
// order at the end of a scenario, and hard (SIGKILL) on any way out of the bench.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { freePort } = require('../../scripts/redis.cjs');
/** V8 flags per app (apps/node-flags.json), the same wherever the apps run. */
const NODE_FLAGS = require('../../apps/node-flags.json');

const ROOT = path.resolve(__dirname, '../..');

/** Where the apps run from: dist/ itself, or the run's private snapshot of it. */
let appRoot = ROOT;

/**
 * Copies dist/ into the run's temp dir and runs every app from there. Other engineers
 * rebuild dist/ whenever they test; a rebuild in the middle of a run would otherwise mix
 * two versions of the apps in one table, or stop the run with a half-written build.
 * @param {string} tmpDir
 */
function snapshotDist(tmpDir) {
  const dir = path.join(tmpDir, 'app');
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  // Packages still resolve from the repository's node_modules.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  appRoot = dir;
}

/**
 * @typedef {object} Tracked
 * @property {string} name
 * @property {number} pid
 * @property {() => Promise<void>} stop graceful stop (SIGTERM, SIGKILL after a timeout)
 */

/** @type {Set<Tracked>} */
const running = new Set();

/** @param {Tracked} entry */
function track(entry) {
  running.add(entry);
  return entry;
}

/** @param {Tracked} entry */
function untrack(entry) {
  running.delete(entry);
}

/** Last resort (process 'exit' handler): whatever still runs is killed hard, synchronously. */
function killAllNow() {
  for (const entry of running) {
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

/** Stops everything still running, newest first (gateways before what they depend on). */
async function stopAll() {
  const entries = [...running].reverse();
  for (const entry of entries) await entry.stop();
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @param {number} [timeoutMs]
 * @returns {Promise<void>}
 */
function stopChild(child, timeoutMs = 8000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Spawns a tracked process whose output goes to a log file.
 * @param {{ name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logDir: string }} spec
 */
function spawnTracked({ name, command, args, env, logDir }) {
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { env, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  /** @type {Tracked} */
  const entry = {
    name,
    pid: child.pid,
    stop: async () => {
      await stopChild(child);
      untrack(entry);
    },
  };
  child.once('exit', () => untrack(entry));
  track(entry);
  return { child, entry, logFile };
}

/** @param {string} file */
function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Polls `url` until it answers 200.
 * @param {string} url
 * @param {import('node:child_process').ChildProcess} child
 * @param {string} what
 * @param {string} logFile
 */
async function waitReady(url, child, what, logFile, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} was not ready within ${timeoutMs} ms:\n${tail(logFile)}`);
}

/**
 * @typedef {object} AppHandle
 * @property {string} name
 * @property {number} pid
 * @property {number} port
 * @property {string} url
 * @property {() => Promise<void>} stop
 */

/**
 * Runs one app from dist/ on a free loopback port, configured only by env, and waits for /health.
 * @param {{ app: 'gateway'|'users'|'free-provider'|'paid-provider', name: string,
 *   env: Record<string, string|number>, logDir: string, nodeArgs?: string[] }} spec
 * @returns {Promise<AppHandle>}
 */
async function startApp({ app, name, env, logDir, nodeArgs = [] }) {
  const port = await freePort();
  /** @type {NodeJS.ProcessEnv} */
  const childEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  for (const [key, value] of Object.entries(env)) childEnv[key] = String(value);
  childEnv.PORT = String(port);
  const { child, entry, logFile } = spawnTracked({
    name,
    command: process.execPath,
    // The app's own flags first (apps/node-flags.json, as everywhere), then the run's extras.
    args: [...NODE_FLAGS[app], ...nodeArgs, path.join(appRoot, 'dist/apps', app, 'src/main.js')],
    env: childEnv,
    logDir,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/health`, child, name, logFile);
  } catch (error) {
    await entry.stop();
    throw error;
  }
  return { name, pid: entry.pid, port, url, stop: entry.stop };
}

module.exports = {
  ROOT,
  snapshotDist,
  track,
  untrack,
  killAllNow,
  stopAll,
  spawnTracked,
  waitReady,
  startApp,
};
