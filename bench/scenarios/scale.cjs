'use strict';
// "scale": 1, 2 and 4 gateway replicas under high concurrency against a free quota the load
// exceeds many times over: total throughput per replica count, and the free provider must
// never answer 429 (the replicas share one exact quota in Redis).
const { cpuMs } = require('../lib/cpu-time.cjs');
const { closedLoop, merge } = require('../lib/load.cjs');
const { PeakMemory } = require('../lib/memory.cjs');
const { fixed, latency } = require('../lib/report.cjs');
const { SCALE_CONNECTIONS, SCALE_QUOTA, SCALE_REPLICAS } = require('../lib/settings.cjs');
const {
  gatewayTarget,
  keepRss,
  log,
  providerCounts,
  startGateways,
  startProviders,
} = require('../lib/stack.cjs');

/** @param {Context} ctx @param {Report} report */
async function scaleScenario(ctx, report) {
  const quota = { FREE_QUOTA_LIMIT: SCALE_QUOTA.limit, FREE_QUOTA_WINDOW_MS: SCALE_QUOTA.windowMs };
  /** @type {Record<string, any>} */
  const results = {};
  for (const replicas of SCALE_REPLICAS) {
    log(`scale: ${replicas} replica(s), ${SCALE_CONNECTIONS} connections, ${ctx.mode.scaleS}s`);
    // Fresh providers per replica count: a new quota model never inherits a provider window.
    const providers = await startProviders(ctx, `scale-${replicas}`, quota);
    const gateways = await startGateways(ctx, `scale-${replicas}`, replicas, providers, quota);
    const memory = new PeakMemory();
    gateways.forEach((g) => memory.watch(g));
    const targets = gateways.map((g) => gatewayTarget(ctx, g));
    await closedLoop(targets, { connections: SCALE_CONNECTIONS, durationS: ctx.mode.warmupS });
    const groups = {
      gateways: gateways.map((g) => g.pid),
      free: [providers.free.pid],
      paid: [providers.paid.pid],
      redis: [ctx.redisPid],
    };
    const before = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, cpuMs(pids)]));
    const run = merge([
      await closedLoop(targets, { connections: SCALE_CONNECTIONS, durationS: ctx.mode.scaleS }),
    ]);
    /** @type {Record<string, number>} CPU ms per served request by process group */
    const cpuPerRequest = Object.fromEntries(
      Object.entries(groups).map(([k, pids]) => [
        k,
        Math.round(((cpuMs(pids) - before[k]) / Math.max(1, run.ok)) * 1000) / 1000,
      ]),
    );
    const counts = await providerCounts(providers.free, providers.paid);
    const rss = keepRss(ctx, `scale-${replicas}`, memory);
    await Promise.all(gateways.map((g) => g.stop()));
    await Promise.all([providers.free.stop(), providers.paid.stop()]);
    results[replicas] = { ...run, ...counts, cpuMsPerRequest: cpuPerRequest, rss };
    const s = 'scale';
    report.add(
      s,
      `${replicas} replica(s): throughput`,
      `${run.rps} req/s, ${latency(run.latencyMs)}${run.clientErrors ? `, ${run.clientErrors} errors` : ''}`,
    );
    report.add(
      s,
      `${replicas} replica(s): CPU ms per request`,
      Object.entries(cpuPerRequest)
        .map(([group, ms]) => `${group} ${fixed(ms, 3)}`)
        .join(' + '),
    );
    report.add(
      s,
      `${replicas} replica(s): free 429s (free ${counts.freeAccepted}, paid ${counts.paidCalls})`,
      String(counts.free429),
      { target: '0', pass: counts.free429 === 0 },
    );
  }
  return { connections: SCALE_CONNECTIONS, quota: SCALE_QUOTA, results };
}

module.exports = { scaleScenario };
