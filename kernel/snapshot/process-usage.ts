import { readFileSync } from 'node:fs';

/**
 * A process's CPU time and resident memory from /proc/<pid> (Linux), for live views: null where
 * /proc cannot be read (another OS, the process is gone, another user's hidepid). CPU time is
 * utime + stime (fields 14 and 15 of /proc/<pid>/stat) in USER_HZ ticks, 100 per second on every
 * Linux ABI; resident memory is VmRSS of /proc/<pid>/status.
 */
const USER_HZ = 100;

export interface ProcessUsage {
  cpuSeconds: number;
  rssBytes: number;
}

export function processUsage(pid: number, proc = '/proc'): ProcessUsage | null {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: fields after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`${proc}/${pid}/status`, 'utf8'));
    if (!Number.isFinite(ticks) || !rss) return null;
    return { cpuSeconds: ticks / USER_HZ, rssBytes: Number(rss[1]) * 1024 };
  } catch {
    return null;
  }
}

/** CPU use between two samples taken `ms` apart, in percent of one core. */
export function cpuPercent(prev: ProcessUsage, now: ProcessUsage, ms: number): number {
  return ms > 0 ? Math.max(0, (((now.cpuSeconds - prev.cpuSeconds) * 1000) / ms) * 100) : 0;
}
