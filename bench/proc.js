/**
 * What /proc says about a process: CPU time (utime + stime), peak RSS (VmHWM, which writing
 * "5" to clear_refs resets to the current RSS), current RSS, and its children (nginx's worker).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import nodeOs from 'node:os';

const TICKS_PER_S = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) the process has used. @param {number} pid */
export function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces), from field 3 on.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** @param {number[]} pids */
export function totalCpuSeconds(pids) {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** `VmHWM` and `VmRSS` in bytes. @param {number} pid */
export function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kb('VmHWM'), rss: kb('VmRSS') };
}

/**
 * A process's RSS by kind of mapping, in MB, largest first (`/proc/PID/smaps`): the node binary
 * and libraries (file), malloc's main arena (`[heap]`: Buffers' memory among others), and
 * anonymous mappings by size (V8's heap pages are 256 KB each, so under 1 MB).
 * @param {number} pid
 * @returns {Array<[string, number]>}
 */
export function rssByMapping(pid) {
  const groups = new Map();
  let key = '';
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const mb = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1048576;
      const name = head[3];
      key = name.startsWith('/') ? `file ${name.split('/').pop()}` : name || (mb < 1 ? 'anonymous, < 1 MB' : mb < 32 ? 'anonymous, 1–32 MB' : 'anonymous, ≥ 32 MB');
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) groups.set(key, (groups.get(key) ?? 0) + Number(rss[1]) / 1024);
  }
  return [...groups].sort((a, b) => b[1] - a[1]);
}

/**
 * Reset the peak RSS of each process to its current RSS. Returns false where the kernel refused
 * (then VmHWM is the peak since the process started).
 * @param {number[]} pids
 */
export function resetPeak(pids) {
  let ok = true;
  for (const pid of pids) {
    try {
      fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      ok = false;
    }
  }
  return ok;
}

/** Sum of the processes' peak RSS in bytes. @param {number[]} pids */
export function peakRss(pids) {
  return pids.reduce((sum, pid) => sum + memory(pid).peak, 0);
}

/** Direct children of a process. @param {number} pid */
export function childrenOf(pid) {
  try {
    const list = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (list) return list.split(/\s+/).map(Number);
  } catch {
    // no CONFIG_PROC_CHILDREN: scan
  }
  const children = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone
    }
  }
  return children;
}

/** One line about the machine: CPU model, cores, memory, kernel. */
export function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU';
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  let os = 'Linux';
  try {
    os = /^PRETTY_NAME="?([^"\n]+)/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // keep 'Linux'
  }
  const loadavg = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return { cpu: model, cores: nodeOs.availableParallelism(), memGb: Math.round(memKb / 1048576), os, node: process.version, loadavg };
}
