'use strict';
// Two load shapes. Closed loop (autocannon): a fixed number of connections, each sending
// its next request when the previous answer arrives, as fast as the server allows: this
// finds the peak. Open loop (paced): requests evenly spaced at a fixed rate whatever the
// answers do, each timed from its actual send: this measures latency at a given load and
// replays the same trace against two systems. autocannon's own histogram has 1 ms
// resolution and its rate limiter sends each second's quota in a burst, so latencies are
// kept here, in sub-millisecond floats, from every response.
const autocannon = require('autocannon');
const { Pool } = require('undici');

/**
 * @param {number[]} sortedMs ascending
 * @param {number} q quantile in [0, 1]
 */
function quantile(sortedMs, q) {
  if (sortedMs.length === 0) return NaN;
  const index = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil(q * sortedMs.length) - 1));
  return sortedMs[index];
}

/** @param {number[]} latenciesMs */
function summarise(latenciesMs) {
  const sorted = Float64Array.from(latenciesMs).sort();
  const list = Array.from(sorted);
  const round = (/** @type {number} */ v) => Math.round(v * 1000) / 1000;
  return {
    p50: round(quantile(list, 0.5)),
    p99: round(quantile(list, 0.99)),
    p999: round(quantile(list, 0.999)),
    max: round(list.length ? list[list.length - 1] : NaN),
  };
}

/**
 * @typedef {object} Target
 * @property {string} url base URL
 * @property {string} path
 * @property {'GET'|'POST'} [method]
 * @property {Record<string, string>} [headers]
 * @property {string} [body]
 */

/**
 * One measured run: raw figures that several runs (rounds) can be merged from.
 * @typedef {object} Sample
 * @property {number} elapsedS
 * @property {number} sent
 * @property {number[]} latencies 2xx latencies in ms
 * @property {number} clientErrors non-2xx answers, connection errors and timeouts
 * @property {Record<string, number>} statuses
 * @property {number} spanMs first request sent to last answer received (open loop only)
 * @property {{ second: number, sent: number, p50: number, max: number }[]} [timeline]
 */

/**
 * Several closed-loop autocannon instances at once, one per target (e.g. one per gateway
 * replica), the connections split between them.
 * @param {Target[]} targets
 * @param {{ connections: number, durationS: number }} load
 * @returns {Promise<Sample>}
 */
async function closedLoop(targets, { connections, durationS }) {
  /** @type {number[]} */
  const latencies = [];
  /** @type {Record<string, number>} */
  const statuses = {};
  const perTarget = Math.max(1, Math.floor(connections / targets.length));
  const started = performance.now();
  const results = await Promise.all(
    targets.map((target) => {
      const instance = autocannon({
        url: target.url + target.path,
        method: target.method ?? 'GET',
        headers: target.headers ?? {},
        body: target.body,
        connections: perTarget,
        duration: durationS,
        timeout: 10,
      });
      instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
        statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
      });
      return /** @type {Promise<autocannon.Result>} */ (/** @type {unknown} */ (instance));
    }),
  );
  const transportErrors = results.reduce((sum, r) => sum + r.errors + r.timeouts, 0);
  const answered = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  return {
    elapsedS: (performance.now() - started) / 1000,
    sent: answered + transportErrors,
    latencies,
    clientErrors: answered - latencies.length + transportErrors,
    statuses,
    spanMs: 0,
  };
}

/** @param {Target[]} targets @param {number} connections */
function openPools(targets, connections = 128) {
  return targets.map(
    (target) => new Pool(target.url, { connections, pipelining: 1, keepAliveTimeout: 30_000 }),
  );
}

/**
 * Open loop: `rate` requests per second for `durationMs`, evenly spaced, sent round-robin
 * to the targets whatever the answers do. Each request is timed from its actual send.
 * @param {Target[]} targets
 * @param {{ rate: number, durationMs: number, pools?: Pool[], timeoutMs?: number }} load
 * @returns {Promise<Sample>}
 */
async function openLoop(targets, { rate, durationMs, pools, timeoutMs = 15_000 }) {
  const ownPools = !pools;
  const clients = pools ?? openPools(targets);
  const total = Math.round((rate * durationMs) / 1000);
  const intervalMs = 1000 / rate;
  /** @type {{ sentAt: number, status: number, latencyMs: number }[]} */
  const requests = [];
  /** @type {Promise<void>[]} */
  const inFlight = [];
  const start = performance.now();
  let next = 0;

  /** @param {number} index */
  const send = (index) => {
    const target = targets[index % targets.length];
    const pool = clients[index % targets.length];
    const sentAt = performance.now();
    const record = { sentAt: sentAt - start, status: 0, latencyMs: NaN };
    requests.push(record);
    return pool
      .request({
        path: target.path,
        method: target.method ?? 'GET',
        headers: target.headers,
        body: target.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      .then(async (response) => {
        await response.body.dump({ limit: Infinity });
        record.status = response.statusCode;
        record.latencyMs = performance.now() - sentAt;
      })
      .catch(() => {
        record.latencyMs = performance.now() - sentAt;
      });
  };

  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (next < due) inFlight.push(send(next++));
      if (next >= total) return resolve(undefined);
      // Timers fire about every millisecond: each tick sends whatever has come due.
      setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start) / 1000;
  if (ownPools) await Promise.all(clients.map((pool) => pool.close()));

  /** @type {Record<string, number>} */
  const statuses = {};
  for (const r of requests) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const latencies = requests
    .filter((r) => r.status >= 200 && r.status < 300)
    .map((r) => r.latencyMs);
  const lastAnswer = requests.reduce((max, r) => Math.max(max, r.sentAt + r.latencyMs), 0);
  // Per second of the trace: how many were sent, and how long they took (p50 / max).
  /** @type {number[][]} */
  const bySecond = [];
  for (const r of requests) (bySecond[Math.floor(r.sentAt / 1000)] ??= []).push(r.latencyMs);
  const timeline = Array.from(bySecond, (list = [], second) => {
    const sorted = list.slice().sort((a, b) => a - b);
    return {
      second,
      sent: list.length,
      p50: Math.round(quantile(sorted, 0.5) * 10) / 10,
      max: Math.round((sorted[sorted.length - 1] ?? NaN) * 10) / 10,
    };
  });
  return {
    elapsedS,
    sent: requests.length,
    latencies,
    clientErrors: requests.length - latencies.length,
    statuses,
    // From the first send (t = 0) to the last answer: the time the trace kept the system busy.
    spanMs: lastAnswer,
    timeline,
  };
}

/**
 * Merges rounds of the same system into one result (throughput over the summed time).
 * @param {Sample[]} samples
 */
function merge(samples) {
  const elapsedS = samples.reduce((sum, s) => sum + s.elapsedS, 0);
  const latencies = samples.flatMap((s) => s.latencies);
  /** @type {Record<string, number>} */
  const statuses = {};
  for (const s of samples) {
    for (const [code, n] of Object.entries(s.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  }
  return {
    rounds: samples.length,
    durationS: Math.round(elapsedS * 100) / 100,
    sent: samples.reduce((sum, s) => sum + s.sent, 0),
    ok: latencies.length,
    rps: Math.round(latencies.length / elapsedS),
    clientErrors: samples.reduce((sum, s) => sum + s.clientErrors, 0),
    statuses,
    latencyMs: summarise(latencies),
  };
}

/**
 * Runs `rounds` rounds of every system in turn (A B C A B C ...), so a noisy neighbour or
 * a slow minute hits all systems alike instead of whichever happened to run then.
 * @template T
 * @param {Record<string, T>} systems
 * @param {number} rounds
 * @param {(system: T, name: string) => Promise<Sample>} runOne
 */
async function interleaved(systems, rounds, runOne) {
  /** @type {Record<string, Sample[]>} */
  const samples = Object.fromEntries(Object.keys(systems).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, system] of Object.entries(systems)) {
      samples[name].push(await runOne(system, name));
    }
  }
  /** @type {Record<string, ReturnType<typeof merge>>} */
  const merged = {};
  for (const [name, list] of Object.entries(samples)) merged[name] = merge(list);
  return merged;
}

module.exports = { closedLoop, openLoop, openPools, merge, interleaved, summarise, quantile };
