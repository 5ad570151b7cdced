'use strict';
// A small reader of V8 .cpuprofile files (what `node --cpu-prof` writes): self time per
// function and per package, the two views that say where a request's CPU goes.
const fs = require('node:fs');
const path = require('node:path');

/**
 * @typedef {{ id: number, callFrame: { functionName: string, url: string, lineNumber: number },
 *   children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[],
 *   startTime: number, endTime: number }} CpuProfile
 */

/** Where a script comes from: a package, node's own code, or this repository's dist/. */
function packageOf(url) {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) {
    const parts = url.slice(dist + '/dist/'.length).split('/');
    return `spillway ${parts[0]}/${parts[1]}`;
  }
  return url;
}

/** @param {string} url */
function shortUrl(url) {
  if (!url) return '';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

/**
 * @param {CpuProfile} profile
 * @param {number} top
 * @param {{ fromUs?: number, toUs?: number }} [window] only samples taken in this window
 *   (monotonic clock, microseconds); all samples when it misses the profile altogether
 */
function analyse(profile, top = 25, window = {}) {
  const fromUs = window.fromUs ?? -Infinity;
  const toUs = window.toUs ?? Infinity;
  const inWindow = fromUs < profile.endTime && toUs > profile.startTime;
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  /** @type {Map<number, number>} self microseconds per node */
  const self = new Map();
  // DevTools' convention: the time until the next sample belongs to this sample.
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (inWindow && (at < fromUs || at > toUs)) continue;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + delta);
  }
  /** @type {Map<string, { fn: string, where: string, pkg: string, us: number }>} */
  const functions = new Map();
  /** @type {Map<string, number>} */
  const packages = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = functionName || '(anonymous)';
    totalUs += us;
    if (fn === '(idle)') {
      idleUs += us;
      continue;
    }
    const pkg = fn.startsWith('(') ? fn : packageOf(url);
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${fn} ${where}`;
    const entry = functions.get(key) ?? { fn, where, pkg, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  // Inclusive time of this repository's own functions: where a request's CPU goes in
  // the code we own (each function counted once per stack, recursion or not).
  /** @type {Map<number, number>} */
  const parentOf = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  /** @type {Map<string, number>} */
  const inclusive = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (
      let cur = /** @type {number | undefined} */ (id);
      cur !== undefined;
      cur = parentOf.get(cur)
    ) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame || !packageOf(frame.url).startsWith('spillway')) continue;
      const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const pct = (/** @type {number} */ us) => Math.round((us / busyUs) * 1000) / 10;
  const ms = (/** @type {number} */ us) => Math.round(us / 100) / 10;
  return {
    window: inWindow ? 'measured run only' : 'whole process (startup included)',
    wallMs: inWindow
      ? ms(Math.min(profile.endTime, toUs) - Math.max(profile.startTime, fromUs))
      : ms(profile.endTime - profile.startTime),
    busyMs: ms(busyUs),
    idleMs: ms(idleUs),
    topFunctions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ selfMs: ms(f.us), busyPct: pct(f.us), fn: f.fn, where: f.where, pkg: f.pkg })),
    ownInclusive: [...inclusive.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ totalMs: ms(us), busyPct: pct(us), fn })),
    packages: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([pkg, us]) => ({ pkg, selfMs: ms(us), busyPct: pct(us) })),
  };
}

/**
 * @param {string} file
 * @param {number} [top]
 * @param {{ fromUs?: number, toUs?: number }} [window]
 */
function analyseFile(file, top = 25, window = {}) {
  const profile = /** @type {CpuProfile} */ (JSON.parse(fs.readFileSync(file, 'utf8')));
  return analyse(profile, top, window);
}

/** @param {ReturnType<typeof analyse>} summary */
function formatSummary(summary, top = 20) {
  const lines = [
    `${summary.window}: wall ${summary.wallMs} ms, busy ${summary.busyMs} ms, idle ${summary.idleMs} ms`,
    '',
    'self time by package (share of busy time)',
  ];
  for (const p of summary.packages.slice(0, 15)) {
    lines.push(`  ${String(p.busyPct).padStart(5)}%  ${String(p.selfMs).padStart(8)} ms  ${p.pkg}`);
  }
  lines.push('', 'top functions by self time');
  for (const f of summary.topFunctions.slice(0, top)) {
    lines.push(
      `  ${String(f.busyPct).padStart(5)}%  ${String(f.selfMs).padStart(8)} ms  ${f.fn}  ${f.where}`,
    );
  }
  lines.push('', "this repository's functions by inclusive time (synchronous part)");
  for (const f of summary.ownInclusive.slice(0, top)) {
    lines.push(`  ${String(f.busyPct).padStart(5)}%  ${String(f.totalMs).padStart(8)} ms  ${f.fn}`);
  }
  return lines.join('\n');
}

module.exports = { analyse, analyseFile, formatSummary };

// `node bench/lib/cpu-profile.cjs file.cpuprofile` prints the summary of any profile.
if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/lib/cpu-profile.cjs <file.cpuprofile>\n');
    process.exit(2);
  }
  process.stdout.write(`${path.basename(file)}\n${formatSummary(analyseFile(file))}\n`);
}
