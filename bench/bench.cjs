'use strict';
// `npm run bench` (quick, under 3 minutes) and `npm run bench -- --full`: gateway overhead
// against the bare free provider and nginx, the failover trace through 2 gateway replicas
// and through nginx, and exactness at 1, 2 and 4 replicas. Everything runs on 127.0.0.1
// in this process tree: a private redis-server, users, fresh providers per system, the
// gateways and nginx; every process it starts is stopped at the end, on error and on
// Ctrl-C. `--profile` instead profiles one gateway under load (node --cpu-prof).
// Options: --full, --profile, --only=overhead,failover,scale. See docs/BENCHMARKS.md.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildIfStale } = require('../scripts/build.cjs');
const { startRedisServer, RedisUnavailableError } = require('../scripts/redis.cjs');
const { analyseFile, formatSummary } = require('./lib/cpu-profile.cjs');
const { paidAboveMinimum } = require('./lib/free-bound.cjs');
const { closedLoop, interleaved, merge, openLoop, openPools } = require('./lib/load.cjs');
const { PeakMemory } = require('./lib/memory.cjs');
const { findNginx, startNginx, INSTALL_HINT } = require('./lib/nginx.cjs');
const { ROOT, killAllNow, startApp, stopAll, track, untrack } = require('./lib/processes.cjs');
const { Report, fixed, latency } = require('./lib/report.cjs');

const RESULTS_DIR = path.join(__dirname, 'results');
const PAID_API_KEY = 'bench-paid-key';
const MESSAGE = JSON.stringify({
  text: 'Spillway bench: the quick brown fox jumps over the lazy dog.\nSecond line, same job.',
});
const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Durations per mode; connection counts and rates are the same in both so the modes
 * compare. Overhead runs go in interleaved rounds (direct, nginx, gateway, direct, ...).
 */
const MODES = {
  quick: {
    warmupS: 2,
    peakRounds: 2,
    peakRoundS: 3,
    moderateRounds: 3,
    moderateRoundMs: 2_000,
    traceMs: 8_500,
    scaleS: 5,
  },
  full: {
    warmupS: 3,
    peakRounds: 4,
    peakRoundS: 4,
    moderateRounds: 5,
    moderateRoundMs: 3_000,
    traceMs: 15_500,
    scaleS: 10,
  },
};
const PEAK_CONNECTIONS = 32;
const SCALE_CONNECTIONS = 128;
const SCALE_REPLICAS = [1, 2, 4];
/** Failover trace: free quota 50/s, offered 5x that, evenly spaced. */
const TRACE = { limit: 50, windowMs: 1000, rate: 250 };
/** Scale: a quota the load exceeds many times over, so exactness is tested at every window. */
const SCALE_QUOTA = { limit: 200, windowMs: 1000 };
/** Out of reach for the overhead runs: everything goes to free. */
const UNLIMITED = { FREE_QUOTA_LIMIT: 1_000_000, FREE_QUOTA_WINDOW_MS: 1000 };
const TARGETS = {
  addedP50Ms: 1,
  addedP99Ms: 5,
  throughputVsNginx: 0.5,
  rssMb: 150,
};

function parseArgs(argv) {
  const args = { full: false, profile: false, only: ['overhead', 'failover', 'scale'] };
  for (const arg of argv) {
    if (arg === '--full') args.full = true;
    else if (arg === '--profile') args.profile = true;
    else if (arg.startsWith('--only=')) args.only = arg.slice('--only='.length).split(',');
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        'usage: npm run bench [-- --full] [-- --only=overhead,failover,scale] [-- --profile]\n',
      );
      process.exit(0);
    } else {
      process.stderr.write(`unknown option ${arg} (try --help)\n`);
      process.exit(2);
    }
  }
  return args;
}

function log(message) {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const git = (/** @type {string[]} */ args) =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    nproc: os.availableParallelism(),
    cpu: model,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    commit: git(['rev-parse', '--short', 'HEAD']),
  };
}

function loadAverage() {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

/** @param {string} url @param {Record<string, string>} [headers] */
async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json();
}

/**
 * The run's shared state: temp dirs, Redis, users and the bench user's token.
 * @typedef {{ mode: typeof MODES.quick, tmpDir: string, logDir: string, runId: string,
 *   redisUrl: string, usersUrl: string, token: string, nginx: string | null,
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
        nodeArgs,
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
  const peak = await interleaved(systems, mode.peakRounds, (target) =>
    closedLoop([target], { connections: PEAK_CONNECTIONS, durationS: mode.peakRoundS }),
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
    moderateRate: rate,
    moderate,
    added: { p50: addedP50, p99: addedP99, p999: addedP999 },
    counts,
    rss,
  };
}

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
  return { ...merge([run]), spanMs: Math.round(run.spanMs), ...counts, ...bound, rss };
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
    const run = merge([
      await closedLoop(targets, { connections: SCALE_CONNECTIONS, durationS: ctx.mode.scaleS }),
    ]);
    const counts = await providerCounts(providers.free, providers.paid);
    const rss = keepRss(ctx, `scale-${replicas}`, memory);
    await Promise.all(gateways.map((g) => g.stop()));
    await Promise.all([providers.free.stop(), providers.paid.stop()]);
    results[replicas] = { ...merge([run]), ...counts, rss };
    const s = 'scale';
    report.add(
      s,
      `${replicas} replica(s): throughput`,
      `${run.rps} req/s, ${latency(run.latencyMs)}${run.clientErrors ? `, ${run.clientErrors} errors` : ''}`,
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

/** @param {Context} ctx @param {Report} report */
function rssRows(ctx, report) {
  if (ctx.rss.length === 0) return;
  const max = ctx.rss.reduce((a, b) => (b.peakMb > a.peakMb ? b : a));
  report.add(
    'memory',
    `peak RSS, max of ${ctx.rss.length} gateway processes`,
    `${fixed(max.peakMb, 1)} MB (${max.scenario})`,
    { target: `<= ${TARGETS.rssMb} MB`, pass: max.peakMb <= TARGETS.rssMb },
  );
  const byScenario = new Map();
  for (const r of ctx.rss)
    byScenario.set(r.scenario, Math.max(byScenario.get(r.scenario) ?? 0, r.peakMb));
  report.add(
    'memory',
    'peak RSS per scenario',
    [...byScenario].map(([k, v]) => `${k} ${fixed(v, 0)}`).join(', ') + ' MB',
  );
}

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
  const sample = await closedLoop([target], {
    connections: PEAK_CONNECTIONS,
    durationS,
  });
  await gateway.stop();
  await Promise.all([providers.free.stop(), providers.paid.stop()]);
  const files = fs.existsSync(profDir)
    ? fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'))
    : [];
  if (files.length === 0)
    throw new Error('the gateway wrote no .cpuprofile (did it exit cleanly?)');
  const file = path.join(profDir, files[0]);
  const summary = analyseFile(file, 40);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const kept = path.join(RESULTS_DIR, `gateway-${stamp}.cpuprofile`);
  fs.copyFileSync(file, kept);
  const run = merge([sample]);
  process.stdout.write(`\n${run.rps} req/s, ${latency(run.latencyMs)} under the profiler\n`);
  process.stdout.write(`${formatSummary(summary)}\n`);
  return { run, summary, cpuprofile: path.relative(ROOT, kept) };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const modeName = args.full ? 'full' : 'quick';
  const mode = MODES[modeName];
  const startedAt = new Date();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-bench-'));
  const logDir = path.join(tmpDir, 'logs');
  let finished = false;

  const cleanup = async () => {
    await stopAll();
    if (finished) fs.rmSync(tmpDir, { recursive: true, force: true });
    else process.stderr.write(`logs of the started processes are kept in ${logDir}\n`);
  };
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    process.stderr.write(`\n${signal}: stopping every process the bench started\n`);
    cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('exit', killAllNow);

  try {
    buildIfStale();
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const nginx = findNginx();
    if (!nginx && !args.profile) log(INSTALL_HINT);
    const machineInfo = machine();
    const loadBefore = loadAverage();
    log(
      `${modeName} run on ${machineInfo.nproc} CPU(s) ${machineInfo.cpu}, node ${machineInfo.node}, load average ${loadBefore.join(' ')}`,
    );

    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
      throw new RedisUnavailableError(
        'The bench starts its own private redis-server and none is on PATH: install Redis 7 (apt-get install redis-server, brew install redis).',
      );
    }
    const redis = await startRedisServer({ dataDir: path.join(tmpDir, 'redis') });
    const redisEntry = track({
      name: 'redis',
      pid: redis.pid,
      stop: async () => {
        await redis.stop();
        untrack(redisEntry);
      },
    });
    const runId = crypto.randomBytes(4).toString('hex');
    const admin = {
      email: 'bench@spillway.local',
      password: crypto.randomBytes(12).toString('base64url'),
    };
    const users = await startApp({
      app: 'users',
      name: 'users',
      logDir,
      env: {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `bench:${runId}:users:`,
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        JWT_ACCESS_TTL_S: 3600,
      },
    });
    const login = await fetch(`${users.url}/auth/login`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(admin),
    });
    if (!login.ok) throw new Error(`login of the bench user answered ${login.status}`);
    const { accessToken, user } = await login.json();
    if (user?.plan !== 'paid') throw new Error(`the bench user has plan ${user?.plan}, not paid`);

    /** @type {Context} */
    const ctx = {
      mode,
      tmpDir,
      logDir,
      runId,
      redisUrl: redis.url,
      usersUrl: users.url,
      token: accessToken,
      nginx,
      rss: [],
    };
    const command = `npm run bench${args.full ? ' -- --full' : ''}`;
    /** @type {Record<string, unknown>} */
    const scenarios = {};
    const report = new Report();

    if (args.profile) {
      scenarios.profile = await profileGateway(ctx);
    } else {
      if (args.only.includes('overhead')) scenarios.overhead = await overheadScenario(ctx, report);
      if (args.only.includes('failover')) scenarios.failover = await failoverScenario(ctx, report);
      if (args.only.includes('scale')) scenarios.scale = await scaleScenario(ctx, report);
      rssRows(ctx, report);
    }
    const loadAfter = loadAverage();
    const finishedAt = new Date();
    const result = {
      command: args.profile ? 'npm run bench -- --profile' : command,
      mode: modeName,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationS: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
      machine: { ...machineInfo, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
      nginx: nginx ? spawnSync(nginx, ['-v'], { encoding: 'utf8' }).stderr.trim() : null,
      targets: TARGETS,
      scenarios,
      table: report.rows,
      gatewayRss: ctx.rss,
    };
    const file = path.join(
      RESULTS_DIR,
      `${args.profile ? 'profile' : modeName}-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`,
    );
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    if (!args.profile) {
      process.stdout.write(`\n${report.render()}\n\n`);
      process.stdout.write(
        `${result.command}: ${result.durationS}s, load average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after; ${report.misses} target(s) missed\n`,
      );
    }
    process.stdout.write(`results: ${path.relative(process.cwd(), file)}\n`);
    finished = true;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
  }
}

main()
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error) => {
    if (error instanceof RedisUnavailableError) process.stderr.write(`${error.message}\n`);
    else
      process.stderr.write(
        `bench failed: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
    process.exit(1);
  });
