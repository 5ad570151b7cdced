'use strict';
// "overhead": the same closed-loop load (fixed connections and duration) straight to the
// free provider, through nginx and through one gateway replica, in interleaved rounds;
// then the same open-loop moderate rate (a quarter of the gateway's peak) through each,
// for the latency the gateway adds.
const { cpuMs } = require('../lib/cpu-time.cjs');
const { closedLoop, interleaved, openLoop, openPools } = require('../lib/load.cjs');
const { PeakMemory } = require('../lib/memory.cjs');
const { startNginx } = require('../lib/nginx.cjs');
const { fixed, latency } = require('../lib/report.cjs');
const { PAID_API_KEY, PEAK_CONNECTIONS, TARGETS, UNLIMITED } = require('../lib/settings.cjs');
const {
  gatewayTarget,
  keepRss,
  log,
  providerCounts,
  providerTarget,
  startGateways,
  startProviders,
} = require('../lib/stack.cjs');

/** @param {Context} ctx @param {Report} report */
async function overheadScenario(ctx, report) {
  const { mode } = ctx;
  log('overhead: starting free/paid providers, 1 gateway' + (ctx.nginx ? ', nginx' : ''));
  const providers = await startProviders(ctx, 'overhead', UNLIMITED);
  const [gateway] = await startGateways(ctx, 'overhead', 1, providers, UNLIMITED);
  const nginx = ctx.nginx
    ? await startNginx({
        binary: ctx.nginx,
        name: 'overhead-nginx',
        tmpDir: ctx.tmpDir,
        logDir: ctx.logDir,
        primary: providers.free.url,
        apiKey: PAID_API_KEY,
      })
    : null;
  const memory = new PeakMemory();
  memory.watch(gateway);
  /** @type {Record<string, ReturnType<typeof providerTarget>>} */
  const systems = {
    direct: providerTarget(providers.free),
    ...(nginx ? { nginx: providerTarget(nginx) } : {}),
    gateway: gatewayTarget(ctx, gateway),
  };

  for (const [name, target] of Object.entries(systems)) {
    log(`overhead: ${name} warm-up ${mode.warmupS}s`);
    await closedLoop([target], { connections: PEAK_CONNECTIONS, durationS: mode.warmupS });
  }
  log(
    `overhead: peak, ${PEAK_CONNECTIONS} connections, ${mode.peakRounds} interleaved rounds of ${mode.peakRoundS}s per system`,
  );
  // CPU each process group used per served request while each system ran.
  const groups = {
    free: [providers.free.pid],
    nginx: nginx ? [nginx.pid] : [],
    gateway: [gateway.pid],
    redis: [ctx.redisPid],
  };
  const snapshot = () =>
    Object.fromEntries(Object.entries(groups).map(([group, pids]) => [group, cpuMs(pids)]));
  /** @type {Record<string, Record<string, number>>} */
  const cpu = Object.fromEntries(Object.keys(systems).map((name) => [name, { requests: 0 }]));
  const peak = await interleaved(systems, mode.peakRounds, async (target, name) => {
    const before = snapshot();
    const sample = await closedLoop([target], {
      connections: PEAK_CONNECTIONS,
      durationS: mode.peakRoundS,
    });
    const after = snapshot();
    cpu[name].requests += sample.latencies.length;
    for (const group of Object.keys(groups)) {
      cpu[name][group] = (cpu[name][group] ?? 0) + after[group] - before[group];
    }
    return sample;
  });
  /** @type {Record<string, Record<string, number>>} CPU ms per request by process group */
  const cpuPerRequest = Object.fromEntries(
    Object.entries(cpu).map(([name, { requests, ...byGroup }]) => [
      name,
      Object.fromEntries(
        Object.entries(byGroup).map(([group, ms]) => [
          group,
          Math.round((ms / Math.max(1, requests)) * 1000) / 1000,
        ]),
      ),
    ]),
  );
  const rate = Math.max(50, Math.round(peak.gateway.rps / 4));
  log(
    `overhead: moderate load, ${rate} req/s open loop, ${mode.moderateRounds} interleaved rounds of ${mode.moderateRoundMs / 1000}s per system`,
  );
  const pools = Object.fromEntries(
    Object.entries(systems).map(([name, target]) => [name, openPools([target])]),
  );
  const moderate = await interleaved(systems, mode.moderateRounds, (target, name) =>
    openLoop([target], { rate, durationMs: mode.moderateRoundMs, pools: pools[name] }),
  );
  await Promise.all(
    Object.values(pools)
      .flat()
      .map((pool) => pool.close()),
  );
  const counts = await providerCounts(providers.free, providers.paid);
  const rss = keepRss(ctx, 'overhead', memory);
  await Promise.all([gateway.stop(), nginx?.stop()]);
  await Promise.all([providers.free.stop(), providers.paid.stop()]);

  const s = 'overhead';
  const label = {
    direct: 'direct to free',
    nginx: 'nginx -> free',
    gateway: 'gateway (1) -> free',
  };
  for (const name of Object.keys(systems)) {
    const r = peak[name];
    report.add(
      s,
      `${label[name]}, ${PEAK_CONNECTIONS} conn`,
      `${r.rps} req/s, ${latency(r.latencyMs)}${r.clientErrors ? `, ${r.clientErrors} errors` : ''}`,
    );
  }
  for (const name of Object.keys(systems)) {
    const parts = Object.entries(cpuPerRequest[name])
      .filter(([, ms]) => ms >= 0.005)
      .map(([group, ms]) => `${group} ${fixed(ms, 3)}`);
    report.add(s, `CPU ms per request, ${label[name]}`, parts.join(' + ') || 'n/a');
  }
  report.add(s, 'throughput gateway / direct', fixed(peak.gateway.rps / peak.direct.rps));
  if (peak.nginx) {
    const ratio = peak.gateway.rps / peak.nginx.rps;
    report.add(s, 'throughput gateway / nginx', fixed(ratio), {
      target: `>= ${TARGETS.throughputVsNginx}`,
      pass: ratio >= TARGETS.throughputVsNginx,
    });
  } else {
    report.skip(s, 'throughput gateway / nginx (nginx not installed)');
  }
  report.add(
    s,
    `added at peak (${PEAK_CONNECTIONS} conn)`,
    latency({
      p50: peak.gateway.latencyMs.p50 - peak.direct.latencyMs.p50,
      p99: peak.gateway.latencyMs.p99 - peak.direct.latencyMs.p99,
    }),
  );
  for (const name of Object.keys(systems)) {
    const r = moderate[name];
    report.add(
      s,
      `${label[name]}, ${rate} req/s`,
      `${latency(r.latencyMs)}${r.clientErrors ? `, ${r.clientErrors} errors` : ''}`,
    );
  }
  const addedP50 = moderate.gateway.latencyMs.p50 - moderate.direct.latencyMs.p50;
  const addedP99 = moderate.gateway.latencyMs.p99 - moderate.direct.latencyMs.p99;
  const addedP999 = moderate.gateway.latencyMs.p999 - moderate.direct.latencyMs.p999;
  report.add(s, `added by gateway p50 @ ${rate} req/s`, `${fixed(addedP50)} ms`, {
    target: `<= ${TARGETS.addedP50Ms} ms`,
    pass: addedP50 <= TARGETS.addedP50Ms,
  });
  report.add(s, `added by gateway p99 @ ${rate} req/s`, `${fixed(addedP99)} ms`, {
    target: `<= ${TARGETS.addedP99Ms} ms`,
    pass: addedP99 <= TARGETS.addedP99Ms,
  });
  report.add(s, `added by gateway p99.9 @ ${rate} req/s`, `${fixed(addedP999)} ms`);
  return {
    connections: PEAK_CONNECTIONS,
    peak,
    cpuMsPerRequest: cpuPerRequest,
    moderateRate: rate,
    moderate,
    added: { p50: addedP50, p99: addedP99, p999: addedP999 },
    counts,
    rss,
  };
}

module.exports = { overheadScenario };
