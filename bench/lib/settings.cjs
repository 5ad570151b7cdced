'use strict';
// Every load shape, quota and target of the bench in one place (docs/BENCHMARKS.md cites them).

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
    scaleS: 4,
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
/** Failover trace: free quota 50/s, offered 3x that, evenly spaced. */
const TRACE = { limit: 50, windowMs: 1000, rate: 150 };
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

module.exports = {
  PAID_API_KEY,
  MESSAGE,
  JSON_HEADERS,
  MODES,
  PEAK_CONNECTIONS,
  SCALE_CONNECTIONS,
  SCALE_REPLICAS,
  TRACE,
  SCALE_QUOTA,
  UNLIMITED,
  TARGETS,
};
