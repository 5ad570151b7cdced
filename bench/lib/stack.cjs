'use strict';
// The systems under test, started fresh per scenario: providers, gateway replicas (each
// scenario with its own Redis key prefix, so every quota model starts empty), and the
// request each system is driven with.
const { startApp } = require('./processes.cjs');
const { JSON_HEADERS, MESSAGE, PAID_API_KEY } = require('./settings.cjs');

function log(message) {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** @param {string} url @param {Record<string, string>} [headers] */
async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json();
}

/**
 * The run's shared state: temp dirs, Redis, users and the bench user's token.
 * @typedef {{ mode: typeof import('./settings.cjs').MODES.quick, gatewayNodeArgs: string[], tmpDir: string, logDir: string, runId: string,
 *   redisUrl: string, redisPid: number, usersUrl: string, token: string, nginx: string | null,
 *   rss: { scenario: string, name: string, peakMb: number }[] }} Context
 */

/** @param {Context} ctx @param {string} tag @param {Record<string, number>} quota */
async function startProviders(ctx, tag, quota) {
  const [free, paid] = await Promise.all([
    startApp({ app: 'free-provider', name: `${tag}-free`, env: quota, logDir: ctx.logDir }),
    startApp({
      app: 'paid-provider',
      name: `${tag}-paid`,
      env: { PAID_PROVIDER_API_KEY: PAID_API_KEY },
      logDir: ctx.logDir,
    }),
  ]);
  return { free, paid };
}

/**
 * @param {Context} ctx @param {string} tag @param {number} count
 * @param {{ free: { url: string }, paid: { url: string } }} providers
 * @param {Record<string, number>} quota @param {string[]} [nodeArgs]
 */
async function startGateways(ctx, tag, count, providers, quota, nodeArgs = []) {
  const env = {
    REDIS_URL: ctx.redisUrl,
    // A prefix per scenario: every system starts from an empty quota model.
    REDIS_KEY_PREFIX: `bench:${ctx.runId}:${tag}:`,
    USERS_URL: ctx.usersUrl,
    FREE_PROVIDER_URL: providers.free.url,
    PAID_PROVIDER_URL: providers.paid.url,
    PAID_PROVIDER_API_KEY: PAID_API_KEY,
    USER_RATE_LIMIT_PER_MIN: 1_000_000,
    ...quota,
  };
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startApp({
        app: 'gateway',
        name: `${tag}-gateway-${i + 1}`,
        env,
        nodeArgs: [...ctx.gatewayNodeArgs, ...nodeArgs],
        logDir: ctx.logDir,
      }),
    ),
  );
}

/** @param {Context} ctx @param {{ url: string }} gateway */
function gatewayTarget(ctx, gateway) {
  return {
    url: gateway.url,
    path: '/messages',
    method: /** @type {const} */ ('POST'),
    headers: { ...JSON_HEADERS, authorization: `Bearer ${ctx.token}` },
    body: MESSAGE,
  };
}

/** @param {{ url: string }} upstream */
function providerTarget(upstream) {
  return {
    url: upstream.url,
    path: '/v1/messages',
    method: /** @type {const} */ ('POST'),
    headers: JSON_HEADERS,
    body: MESSAGE,
  };
}

/** @param {{ url: string }} free @param {{ url: string }} paid */
async function providerCounts(free, paid) {
  const [stats, usage] = await Promise.all([
    getJson(`${free.url}/v1/stats`),
    getJson(`${paid.url}/v1/usage`, { 'x-api-key': PAID_API_KEY }),
  ]);
  return { freeAccepted: stats.accepted, free429: stats.rejected, paidCalls: usage.calls };
}

/** @param {Context} ctx @param {string} scenario @param {PeakMemory} memory */
function keepRss(ctx, scenario, memory) {
  const peaks = memory.finish();
  for (const peak of peaks) ctx.rss.push({ scenario, ...peak });
  return peaks;
}

module.exports = {
  log,
  startProviders,
  startGateways,
  gatewayTarget,
  providerTarget,
  providerCounts,
  keepRss,
};
