'use strict';
// Peak resident memory of a process from /proc/<pid>/status: VmHWM is the kernel's own
// high-water mark of VmRSS, so sampling it now and then never misses a short peak.
const fs = require('node:fs');

/** @param {number} pid @returns {{ rssKb: number, hwmKb: number } | null} */
function readMemory(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (/** @type {string} */ name) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) : 0;
    };
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
  } catch {
    return null;
  }
}

/** Samples a set of processes every `intervalMs` and remembers each one's peak. */
class PeakMemory {
  /** @param {number} intervalMs */
  constructor(intervalMs = 500) {
    /** @type {Map<number, { name: string, startKb: number, peakKb: number }>} */
    this.peaks = new Map();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** @param {{ name: string, pid: number }} proc */
  watch(proc) {
    // Watched right after it became ready: its RSS then is what it costs idle.
    this.peaks.set(proc.pid, {
      name: proc.name,
      startKb: readMemory(proc.pid)?.rssKb ?? 0,
      peakKb: 0,
    });
    this.sample();
  }

  sample() {
    for (const [pid, peak] of this.peaks) {
      const memory = readMemory(pid);
      if (memory) peak.peakKb = Math.max(peak.peakKb, memory.hwmKb, memory.rssKb);
    }
  }

  /** Takes a last sample (call before stopping the processes) and stops sampling. */
  finish() {
    this.sample();
    clearInterval(this.timer);
    const mb = (/** @type {number} */ kb) => Math.round((kb / 1024) * 10) / 10;
    return [...this.peaks.values()].map(({ name, startKb, peakKb }) => ({
      name,
      startMb: mb(startKb),
      peakMb: mb(peakKb),
    }));
  }
}

module.exports = { readMemory, PeakMemory };
