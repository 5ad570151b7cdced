'use strict';
// The printed report: every figure on one row with its target and PASS/MISS beside it.

/**
 * @typedef {object} Row
 * @property {string} scenario
 * @property {string} measure
 * @property {string} value
 * @property {string} target empty when the row is context, not a target
 * @property {'PASS'|'MISS'|''} result
 */

/** @param {number} value @param {number} [digits] */
function fixed(value, digits = 2) {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** @param {{ p50: number, p99: number, p999?: number }} l */
function latency(l) {
  const parts = [`p50 ${fixed(l.p50)}`, `p99 ${fixed(l.p99)}`];
  if (l.p999 !== undefined) parts.push(`p99.9 ${fixed(l.p999)}`);
  return `${parts.join(' / ')} ms`;
}

class Report {
  constructor() {
    /** @type {Row[]} */
    this.rows = [];
  }

  /**
   * @param {string} scenario
   * @param {string} measure
   * @param {string} value
   * @param {{ target: string, pass: boolean } | null} [check]
   */
  add(scenario, measure, value, check = null) {
    this.rows.push({
      scenario,
      measure,
      value,
      target: check ? check.target : '',
      result: check ? (check.pass ? 'PASS' : 'MISS') : '',
    });
  }

  /** @param {string} scenario @param {string} note */
  skip(scenario, note) {
    this.rows.push({ scenario, measure: note, value: 'skipped', target: '', result: '' });
  }

  render() {
    const header = { scenario: 'scenario', measure: 'measure', value: 'value', target: 'target' };
    const all = [header, ...this.rows];
    const width = (/** @type {keyof typeof header} */ key) =>
      Math.max(...all.map((row) => row[key].length));
    const w = {
      scenario: width('scenario'),
      measure: width('measure'),
      value: width('value'),
      target: width('target'),
    };
    const line = (/** @type {Row | typeof header & { result?: string }} */ row) =>
      [
        row.scenario.padEnd(w.scenario),
        row.measure.padEnd(w.measure),
        row.value.padEnd(w.value),
        row.target.padEnd(w.target),
        row.result ?? 'result',
      ]
        .join('  ')
        .trimEnd();
    const rule = '-'.repeat(w.scenario + w.measure + w.value + w.target + 14);
    const out = [line({ ...header, result: 'result' }), rule];
    let previous = '';
    for (const row of this.rows) {
      if (previous && row.scenario !== previous) out.push('');
      out.push(line(row));
      previous = row.scenario;
    }
    return out.join('\n');
  }

  get misses() {
    return this.rows.filter((row) => row.result === 'MISS').length;
  }
}

module.exports = { Report, fixed, latency };
