/**
 * Is the process a state file names still the runtime that wrote it? A pid alone is not enough
 * (pids are reused), so the runtime records its start time as the kernel counts it — field 22 of
 * `/proc/<pid>/stat`, clock ticks since boot — and a reader compares both. Where there is no
 * /proc (not Linux) the start time is null and only the pid is checked (`kill(pid, 0)`).
 */
import { readFileSync } from 'node:fs';

/** Start time of `pid` in clock ticks since boot; undefined when no such process, null when /proc cannot tell. */
export function processStartTicks(pid: number | 'self'): number | null | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && pid !== 'self' && procMounted()) return undefined;
    return null;
  }
  // `pid (comm) state ppid …`: comm may hold spaces and parentheses; fields after the last `)`
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isSafeInteger(ticks) ? ticks : null;
}

function procMounted(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

export interface Liveness {
  alive: boolean;
  /** why the answer is what it is, in words */
  why: string;
}

/** Whether `pid`, started at `startTicks` (null: unknown), is still running. */
export function processAlive(pid: number, startTicks: number | null | undefined): Liveness {
  const now = processStartTicks(pid);
  if (now === undefined) return { alive: false, why: `no process ${pid} is running` };
  if (now !== null && startTicks !== null && startTicks !== undefined) {
    return now === startTicks
      ? { alive: true, why: `process ${pid} runs, with the start time the runtime recorded` }
      : {
          alive: false,
          why:
            `process ${pid} runs but started at another time (tick ${now}, the runtime's was ${startTicks}): the ` +
            `pid was reused`,
        };
  }
  try {
    process.kill(pid, 0);
    return { alive: true, why: `process ${pid} runs (its start time could not be compared)` };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPERM')
      return { alive: true, why: `process ${pid} runs as another user (its start time could not be compared)` };
    return { alive: false, why: `no process ${pid} is running` };
  }
}
