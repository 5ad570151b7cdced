'use strict';
// `npm run bench -- --profile`: one gateway under the overhead scenario's peak load with
// node --cpu-prof; prints self time by package and function, and the repository's own
// functions by inclusive time. The .cpuprofile is kept in bench/results/ for DevTools.
const fs = require('node:fs');
const path = require('node:path');
const { analyseFile, formatSummary } = require('../lib/cpu-profile.cjs');
const { closedLoop, merge } = require('../lib/load.cjs');
const { ROOT } = require('../lib/processes.cjs');
const { latency } = require('../lib/report.cjs');
const { PEAK_CONNECTIONS, UNLIMITED } = require('../lib/settings.cjs');
const { gatewayTarget, log, startGateways, startProviders } = require('../lib/stack.cjs');

const RESULTS_DIR = path.resolve(__dirname, '../results');

/** @param {Context} ctx */
async function profileGateway(ctx) {
  const profDir = path.join(ctx.tmpDir, 'cpu-profile');
  const providers = await startProviders(ctx, 'profile', UNLIMITED);
  const [gateway] = await startGateways(ctx, 'profile', 1, providers, UNLIMITED, [
    '--cpu-prof',
    `--cpu-prof-dir=${profDir}`,
  ]);
  const target = gatewayTarget(ctx, gateway);
  const durationS = ctx.mode.peakRounds * ctx.mode.peakRoundS + 4;
  log(`profile: gateway under ${PEAK_CONNECTIONS} connections for ${durationS}s`);
  // A warm-up first, then only the measured run is analysed: startup (module loading,
  // Nest wiring) would otherwise fill the top of the profile. V8 stamps samples with the
  // system-wide monotonic clock, the same one process.hrtime reads here.
  await closedLoop([target], { connections: PEAK_CONNECTIONS, durationS: ctx.mode.warmupS });
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const sample = await closedLoop([target], { connections: PEAK_CONNECTIONS, durationS });
  const toUs = Number(process.hrtime.bigint() / 1000n);
  await gateway.stop();
  await Promise.all([providers.free.stop(), providers.paid.stop()]);
  const files = fs.existsSync(profDir)
    ? fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'))
    : [];
  if (files.length === 0)
    throw new Error('the gateway wrote no .cpuprofile (did it exit cleanly?)');
  const file = path.join(profDir, files[0]);
  const summary = analyseFile(file, 40, { fromUs, toUs });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const kept = path.join(RESULTS_DIR, `gateway-${stamp}.cpuprofile`);
  fs.copyFileSync(file, kept);
  const run = merge([sample]);
  process.stdout.write(`\n${run.rps} req/s, ${latency(run.latencyMs)} under the profiler\n`);
  process.stdout.write(`${formatSummary(summary)}\n`);
  return { run, summary, cpuprofile: path.relative(ROOT, kept) };
}

module.exports = { profileGateway };
