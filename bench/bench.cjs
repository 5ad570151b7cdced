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
const { findNginx, INSTALL_HINT } = require('./lib/nginx.cjs');
const {
  ROOT,
  killAllNow,
  snapshotDist,
  startApp,
  stopAll,
  track,
  untrack,
} = require('./lib/processes.cjs');
const { Report, fixed } = require('./lib/report.cjs');
const { JSON_HEADERS, MODES, TARGETS } = require('./lib/settings.cjs');
const { log } = require('./lib/stack.cjs');
const { failoverScenario } = require('./scenarios/failover.cjs');
const { overheadScenario } = require('./scenarios/overhead.cjs');
const { profileGateway } = require('./scenarios/profile.cjs');
const { scaleScenario } = require('./scenarios/scale.cjs');

const RESULTS_DIR = path.join(__dirname, 'results');
const SCENARIOS = ['overhead', 'failover', 'scale'];
/** Set on Ctrl-C: the scenario that fails because its processes were stopped stays quiet. */
let interrupted = false;

function parseArgs(argv) {
  const args = {
    full: false,
    profile: false,
    keepLogs: false,
    only: SCENARIOS,
    /** @type {string[]} e.g. --gateway-node-args="--max-semi-space-size=8" to try a flag */
    gatewayNodeArgs: [],
  };
  for (const arg of argv) {
    if (arg === '--full') args.full = true;
    else if (arg === '--profile') args.profile = true;
    else if (arg === '--keep-logs') args.keepLogs = true;
    else if (arg.startsWith('--only=')) {
      args.only = arg.slice('--only='.length).split(',');
      const unknown = args.only.filter((name) => !SCENARIOS.includes(name));
      if (unknown.length > 0) {
        process.stderr.write(`unknown scenario ${unknown.join(', ')} (${SCENARIOS.join(', ')})\n`);
        process.exit(2);
      }
    } else if (arg.startsWith('--gateway-node-args=')) {
      args.gatewayNodeArgs = arg.slice('--gateway-node-args='.length).split(' ').filter(Boolean);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        'usage: npm run bench [-- --full] [--only=overhead,failover,scale] [--profile] [--keep-logs] [--gateway-node-args="..."]\n',
      );
      process.exit(0);
    } else {
      process.stderr.write(`unknown option ${arg} (try --help)\n`);
      process.exit(2);
    }
  }
  return args;
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
    // What was built on top of that commit: uncommitted changes to the apps under test.
    uncommitted: git(['status', '--porcelain', '--', 'apps', 'libs']).split('\n').filter(Boolean),
  };
}

function loadAverage() {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

/** @param {Context} ctx @param {Report} report */
function rssRows(ctx, report) {
  if (ctx.rss.length === 0) return;
  const max = ctx.rss.reduce((a, b) => (b.peakMb > a.peakMb ? b : a));
  report.add(
    'memory',
    `peak RSS, max of ${ctx.rss.length} gateway processes`,
    `${fixed(max.peakMb, 1)} MB (${max.scenario}; ${fixed(max.startMb, 1)} MB when it became ready)`,
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

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const modeName = args.full ? 'full' : 'quick';
  const mode = MODES[modeName];
  const startedAt = new Date();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-bench-'));
  const logDir = path.join(tmpDir, 'logs');
  let finished = false;

  /** @type {Promise<void> | null} */
  let cleaning = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await stopAll();
      if (finished && !args.keepLogs) fs.rmSync(tmpDir, { recursive: true, force: true });
      else process.stderr.write(`logs of the started processes are kept in ${logDir}\n`);
    })());
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping every process the bench started\n`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('exit', killAllNow);

  try {
    buildIfStale();
    snapshotDist(tmpDir);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const nginx = findNginx();
    if (!nginx && !args.profile) log(INSTALL_HINT);
    const machineInfo = machine();
    const loadBefore = loadAverage();
    // The 1-minute load average every 5 s: how busy the machine was while the bench ran.
    /** @type {number[]} */
    const loadSamples = [loadBefore[0]];
    const loadTimer = setInterval(() => loadSamples.push(loadAverage()[0]), 5000);
    loadTimer.unref();
    log(
      `${modeName} run on ${machineInfo.nproc} CPU(s) ${machineInfo.cpu}, node ${machineInfo.node}, load average ${loadBefore.join(' ')}, commit ${machineInfo.commit}${machineInfo.uncommitted.length ? ` + ${machineInfo.uncommitted.length} uncommitted file(s) in apps/libs` : ''}`,
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
      redisPid: redis.pid,
      usersUrl: users.url,
      token: accessToken,
      nginx,
      gatewayNodeArgs: args.gatewayNodeArgs,
      rss: [],
    };
    const argv = process.argv.slice(2);
    const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
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
    clearInterval(loadTimer);
    const loadAfter = loadAverage();
    loadSamples.push(loadAfter[0]);
    const loadDuring = {
      mean: Math.round((loadSamples.reduce((a, b) => a + b, 0) / loadSamples.length) * 100) / 100,
      max: Math.max(...loadSamples),
    };
    const finishedAt = new Date();
    const result = {
      command,
      mode: modeName,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationS: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
      machine: {
        ...machineInfo,
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadAfter,
        loadAverage1mDuring: loadDuring,
      },
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
        `${result.command}: ${result.durationS}s on ${machineInfo.nproc} CPU(s); load average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after, 1-min mean ${loadDuring.mean} / max ${loadDuring.max} during; ${report.misses} target(s) missed\n`,
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
    if (interrupted) return;
    if (error instanceof RedisUnavailableError) process.stderr.write(`${error.message}\n`);
    else
      process.stderr.write(
        `bench failed: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
    process.exit(1);
  });
