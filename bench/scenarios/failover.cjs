'use strict';
// "failover trace": free quota 50 per second, an evenly spaced load 3x that, through 2
// gateway replicas and then through nginx (free primary, paid backup), each with fresh
// providers. What each system cost in 429s, client errors and paid calls above the minimum.
const { paidAboveMinimum } = require('../lib/free-bound.cjs');
const { closedLoop, merge, openLoop } = require('../lib/load.cjs');
const { PeakMemory } = require('../lib/memory.cjs');
const { startNginx } = require('../lib/nginx.cjs');
const { fixed, latency } = require('../lib/report.cjs');
const { PAID_API_KEY, TRACE } = require('../lib/settings.cjs');
const {
  gatewayTarget,
  keepRss,
  log,
  providerCounts,
  providerTarget,
  startGateways,
  startProviders,
} = require('../lib/stack.cjs');

/** @param {Context} ctx @param {'gateway'|'nginx'} system */
async function runTrace(ctx, system) {
  const quota = { FREE_QUOTA_LIMIT: TRACE.limit, FREE_QUOTA_WINDOW_MS: TRACE.windowMs };
  const providers = await startProviders(ctx, `failover-${system}`, quota);
  const memory = new PeakMemory();
  /** @type {{ stop: () => Promise<void> }[]} */
  let front;
  let targets;
  if (system === 'gateway') {
    const gateways = await startGateways(ctx, 'failover', 2, providers, quota);
    gateways.forEach((g) => memory.watch(g));
    // Warm the auth and Redis path without touching the providers.
    await closedLoop(
      gateways.map((g) => ({
        ...gatewayTarget(ctx, g),
        path: '/quota',
        method: 'GET',
        body: undefined,
      })),
      { connections: 8, durationS: 1 },
    );
    targets = gateways.map((g) => gatewayTarget(ctx, g));
    front = gateways;
  } else {
    const nginx = await startNginx({
      binary: /** @type {string} */ (ctx.nginx),
      name: 'failover-nginx',
      tmpDir: ctx.tmpDir,
      logDir: ctx.logDir,
      primary: providers.free.url,
      backup: providers.paid.url,
      apiKey: PAID_API_KEY,
    });
    targets = [providerTarget(nginx)];
    front = [nginx];
  }
  log(
    `failover: ${system}: ${TRACE.rate} req/s for ${ctx.mode.traceMs / 1000}s, free quota ${TRACE.limit}/${TRACE.windowMs}ms`,
  );
  const run = await openLoop(targets, { rate: TRACE.rate, durationMs: ctx.mode.traceMs });
  const counts = await providerCounts(providers.free, providers.paid);
  const rss = system === 'gateway' ? keepRss(ctx, 'failover', memory) : (memory.finish(), []);
  await Promise.all(front.map((f) => f.stop()));
  await Promise.all([providers.free.stop(), providers.paid.stop()]);
  const bound = paidAboveMinimum({
    sent: run.sent,
    served: run.latencies.length,
    paidCalls: counts.paidCalls,
    spanMs: run.spanMs,
    limit: TRACE.limit,
    windowMs: TRACE.windowMs,
  });
  return {
    ...merge([run]),
    spanMs: Math.round(run.spanMs),
    ...counts,
    ...bound,
    rss,
    timeline: run.timeline,
  };
}

/** @param {Context} ctx @param {Report} report */
async function failoverScenario(ctx, report) {
  const systems = /** @type {Array<'gateway'|'nginx'>} */ (
    ctx.nginx ? ['gateway', 'nginx'] : ['gateway']
  );
  /** @type {Record<string, Awaited<ReturnType<typeof runTrace>>>} */
  const results = {};
  for (const system of systems) results[system] = await runTrace(ctx, system);
  const s = 'failover';
  for (const system of systems) {
    const r = results[system];
    const gate = system === 'gateway';
    const zero = (/** @type {number} */ n) => (gate ? { target: '0', pass: n === 0 } : null);
    const name = gate ? 'gateway x2' : 'nginx (peer)';
    report.add(
      s,
      `${name}: served / sent`,
      `${r.ok} / ${r.sent} over ${fixed(r.spanMs / 1000, 1)} s`,
    );
    report.add(s, `${name}: client-visible errors`, String(r.clientErrors), zero(r.clientErrors));
    report.add(s, `${name}: 429s sent by free`, String(r.free429), zero(r.free429));
    report.add(
      s,
      `${name}: free accepted / paid calls`,
      `${r.freeAccepted} / ${r.paidCalls} (free max ${r.maxFree} in ${r.windows} windows)`,
    );
    report.add(
      s,
      `${name}: paid above minimum`,
      `${r.aboveMinimum} (minimum ${r.minimumPaid})`,
      zero(r.aboveMinimum),
    );
    report.add(s, `${name}: latency`, latency(r.latencyMs));
  }
  if (!ctx.nginx) report.skip(s, 'nginx trace (nginx not installed)');
  return { trace: { ...TRACE, durationMs: ctx.mode.traceMs }, results };
}

module.exports = { failoverScenario };
