/**
 * Parsers for the Linux files doctor reads (`/proc/self/status`, `/proc/self/limits`,
 * `/proc/self/stat`, `/proc/self/mounts`, cpu lists in `/sys/devices/system/cpu/*`). Pure
 * functions over the text, so each is tested on fixtures; `undefined` means "not in the text".
 */

/** `0-3,8,10-11` → [0,1,2,3,8,10,11]; '' → []; undefined when malformed. */
export function parseCpuList(text: string): number[] | undefined {
  const t = text.trim();
  if (t === '') return [];
  const out = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 65_536) return undefined;
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** `Key:\tvalue` lines of /proc/self/status as a map. */
export function parseStatus(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

/** `VmLck:  12 kB` → bytes */
export function statusBytes(status: Map<string, string>, key: string): number | undefined {
  const m = /^(\d+)\s*kB$/.exec(status.get(key) ?? '');
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Whether capability number `bit` is in a hex capability mask such as CapEff. */
export function hasCapability(mask: string | undefined, bit: number): boolean | undefined {
  if (mask === undefined || !/^[0-9a-fA-F]+$/.test(mask)) return undefined;
  return ((BigInt(`0x${mask}`) >> BigInt(bit)) & 1n) === 1n;
}

export const CAP_IPC_LOCK = 14;
export const CAP_SYS_NICE = 23;

export interface Limit {
  soft: number | 'unlimited';
  hard: number | 'unlimited';
}

/** One row of /proc/self/limits by its name, e.g. `Max locked memory`. */
export function parseLimit(text: string, name: string): Limit | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const [soft, hard] = line.slice(name.length).trim().split(/\s+/);
    const v = (s: string | undefined) =>
      s === 'unlimited' ? ('unlimited' as const) : s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
    const sv = v(soft);
    const hv = v(hard);
    return sv === undefined || hv === undefined ? undefined : { soft: sv, hard: hv };
  }
  return undefined;
}

/** Scheduling policy of /proc/self/stat (field 41): 0 other, 1 fifo, 2 rr, 3 batch, 5 idle, 6 deadline. */
export function parseSchedPolicy(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/); // fields[0] is field 3 (state)
  const raw = fields[41 - 3];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return (
    ({ 0: 'other', 1: 'fifo', 2: 'rr', 3: 'batch', 5: 'idle', 6: 'deadline' } as Record<number, string>)[Number(raw)] ??
    `policy-${raw}`
  );
}

/** The filesystem type of the mount at `mountPoint` in /proc/self/mounts (the last such mount wins). */
export function mountType(mounts: string, mountPoint: string): string | undefined {
  let type: string | undefined;
  for (const line of mounts.split('\n')) {
    const f = line.split(' ');
    if (f[1] === mountPoint) type = f[2];
  }
  return type;
}
