'use strict';
// CPU time a process (and its children, for nginx's workers) has used, from /proc. Divided
// by the requests served it gives CPU per request: unlike requests/s and latency, it hardly
// moves when other processes compete for the cores.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** @param {number} pid @returns {number} user + system CPU in ms, 0 when unreadable */
function ownCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** @param {number} pid */
function childrenOf(pid) {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** @param {number[]} pids @returns {number} CPU ms of these processes and their children */
function cpuMs(pids) {
  let total = 0;
  for (const pid of pids) {
    total += ownCpuMs(pid);
    for (const child of childrenOf(pid)) total += ownCpuMs(child);
  }
  return total;
}

module.exports = { cpuMs };
