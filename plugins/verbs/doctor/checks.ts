import type { DoctorItem, DoctorRequirement, TuningProfile } from '../../../kernel/artifacts/doctor-report.ts';
import type { HostFacts } from './host.ts';
import {
  CAP_IPC_LOCK,
  CAP_SYS_NICE,
  hasCapability,
  mountType,
  parseCpuList,
  parseLimit,
  parseSchedPolicy,
  parseStatus,
  statusBytes,
} from './proc.ts';

/**
 * doctor's checks: pure functions of the gathered host facts, the requested profile and the
 * thread demand. Each check says what it observed and one of
 *   ok      → the host honours the request            (applied)
 *   partial → honoured only in part, with reasons      (degraded)
 *   bad     → a host-readiness failure, with reasons   (failed when required, else degraded)
 *   unknown → it could not be checked, with reasons    (unchecked; never applied)
 * and the profile's requirement turns that into the reported status.
 */

export interface ThreadDemand {
  source: 'spec' | 'minimum';
  specPath: string | null;
  specHash: string | null;
  /** worker threads that run stages */
  stageThreads: number;
  /** stage threads plus the main thread */
  totalThreads: number;
  /** bytes of ring memory the spec asks for (null without a spec) */
  ringBytes: number | null;
  /** the spec's wait strategy (null without a spec) */
  wait: string | null;
}

type Verdict = 'ok' | 'partial' | 'bad' | 'unknown';
interface Check {
  verdict: Verdict;
  requested: string | null;
  observed: DoctorItem['observed'];
  reasons: string[];
}

type ItemId =
  | 'runtime_version'
  | 'shared_array_buffer'
  | 'wasm_threads'
  | 'atomics_wait_worker'
  | 'run_dir'
  | 'shm'
  | 'cpu_headroom'
  | 'wait_strategy'
  | 'memlock'
  | 'cpu_pinning'
  | 'cpu_isolation'
  | 'rt_scheduling';

/** What each profile requires of each item (docs/operator-flow.md has the same table). */
export const REQUIREMENTS: Record<ItemId, Record<TuningProfile, DoctorRequirement>> = {
  runtime_version: { default: 'required', 'low-latency': 'required', 'isolated-core': 'required' },
  shared_array_buffer: { default: 'required', 'low-latency': 'required', 'isolated-core': 'required' },
  wasm_threads: { default: 'required', 'low-latency': 'required', 'isolated-core': 'required' },
  atomics_wait_worker: { default: 'required', 'low-latency': 'required', 'isolated-core': 'required' },
  run_dir: { default: 'required', 'low-latency': 'required', 'isolated-core': 'required' },
  shm: { default: 'recommended', 'low-latency': 'recommended', 'isolated-core': 'required' },
  cpu_headroom: { default: 'recommended', 'low-latency': 'required', 'isolated-core': 'required' },
  wait_strategy: { default: 'recommended', 'low-latency': 'recommended', 'isolated-core': 'recommended' },
  memlock: { default: 'none', 'low-latency': 'required', 'isolated-core': 'required' },
  cpu_pinning: { default: 'none', 'low-latency': 'recommended', 'isolated-core': 'required' },
  cpu_isolation: { default: 'none', 'low-latency': 'none', 'isolated-core': 'required' },
  rt_scheduling: { default: 'none', 'low-latency': 'none', 'isolated-core': 'required' },
};

const TITLES: Record<ItemId, string> = {
  runtime_version: 'JavaScript runtime version',
  shared_array_buffer: 'SharedArrayBuffer and Atomics',
  wasm_threads: 'WebAssembly threads (shared memory, atomics)',
  atomics_wait_worker: 'Atomics.wait in a worker thread',
  run_dir: 'run directory placement and permissions',
  shm: 'SHM (/dev/shm) placement and permissions',
  cpu_headroom: 'CPU headroom for the runtime threads',
  wait_strategy: 'wait strategy of the spec vs the profile',
  memlock: 'memory locking (mlockall)',
  cpu_pinning: 'CPU pinning',
  cpu_isolation: 'CPU isolation (isolcpus)',
  rt_scheduling: 'real-time scheduling (SCHED_FIFO)',
};

export const PROFILE_WAIT: Record<TuningProfile, string> = {
  default: 'backoff',
  'low-latency': 'spin',
  'isolated-core': 'spin',
};
const MIB = 1024 * 1024;
/** memlock threshold when the ring size is unknown (no --spec) */
export const MEMLOCK_FLOOR_BYTES = 64 * MIB;
/** longest unix socket path (sun_path is 108 bytes with its NUL) */
const MAX_SOCKET_PATH = 107;

const fmtBytes = (n: number | 'unlimited') =>
  n === 'unlimited' ? 'unlimited' : n >= MIB ? `${+(n / MIB).toFixed(1)} MiB` : `${n} bytes`;
const fmtCpus = (l: number[]) => (l.length ? compactCpuList(l) : '(none)');

export function compactCpuList(l: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < l.length; i++) {
    let j = i;
    while (j + 1 < l.length && l[j + 1] === l[j]! + 1) j++;
    parts.push(j > i ? `${l[i]}-${l[j]}` : `${l[i]}`);
    i = j;
  }
  return parts.join(',');
}

interface Derived {
  status: Map<string, string> | null;
  allowed: number[] | null;
  online: number[] | null;
  isolated: number[] | null;
}

function derive(f: HostFacts): Derived {
  const status = f.files.status !== null ? parseStatus(f.files.status) : null;
  const allowedText = status?.get('Cpus_allowed_list');
  return {
    status,
    allowed: allowedText !== undefined ? (parseCpuList(allowedText) ?? null) : null,
    online: f.files.online !== null ? (parseCpuList(f.files.online) ?? null) : null,
    isolated: f.files.isolated !== null ? (parseCpuList(f.files.isolated) ?? null) : null,
  };
}

function unreadable(f: HostFacts, ...paths: string[]): string[] {
  return paths.filter((p) => p in f.unreadable).map((p) => `${p} could not be read (${f.unreadable[p]})`);
}

// -- the checks ------------------------------------------------------------------------------

function runtimeVersion(f: HostFacts): Check {
  const major = Number(f.runtimeVersion.split('.')[0]);
  const min = f.runtime === 'deno' ? 2 : 20;
  return {
    verdict: major >= min ? 'ok' : 'bad',
    requested: f.runtime === 'deno' ? 'Deno 2 or later' : 'Node.js 20 or later',
    observed: { runtime: f.runtime, version: f.runtimeVersion },
    reasons: major >= min ? [] : [`${f.runtime} ${f.runtimeVersion} is older than ${min}; upgrade it`],
  };
}

function probe(p: { ok: boolean; detail: string }, requested: string): Check {
  return { verdict: p.ok ? 'ok' : 'bad', requested, observed: { result: p.detail }, reasons: p.ok ? [] : [p.detail] };
}

function runDir(f: HostFacts): Check {
  const r = f.runDir;
  const socket = `${r.path.replace(/\/$/, '')}/control.sock`;
  const observed = {
    path: r.path,
    source: r.source,
    exists: r.exists,
    writable: r.writable,
    mode: r.mode === null ? null : `0${r.mode.toString(8)}`,
    owner_uid: r.ownerUid,
    socket_path_bytes: Buffer.byteLength(socket),
  };
  const reasons: string[] = [];
  let verdict: Verdict = 'ok';
  const bad = (why: string) => {
    verdict = 'bad';
    reasons.push(why);
  };
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH)
    bad(
      `the control socket path ${socket} is ${Buffer.byteLength(socket)} bytes, longer than the ` +
        `${MAX_SOCKET_PATH} a unix socket allows; use a shorter --run-dir`,
    );
  if (r.exists) {
    if (!r.isDirectory) bad(`${r.path} exists and is not a directory`);
    else if (!r.writable) bad(`${r.path} is not writable by this user; fix its owner or use --run-dir=DIR`);
    if (r.mode !== null && (r.mode & 0o002) !== 0)
      bad(
        `${r.path} is world-writable (mode 0${r.mode.toString(8)}): another user could replace the control ` +
          `socket; chmod 0750 it`,
      );
    else if (r.mode !== null && (r.mode & 0o020) !== 0) {
      if (verdict === 'ok') verdict = 'partial';
      reasons.push(`${r.path} is group-writable (mode 0${r.mode.toString(8)})`);
    }
    if (f.uid !== null && r.ownerUid !== null && f.uid !== 0 && r.ownerUid !== f.uid && r.ownerUid !== 0)
      bad(`${r.path} belongs to uid ${r.ownerUid}, not to this user (uid ${f.uid})`);
  } else if (!r.creatable) {
    bad(`${r.path} does not exist and cannot be created by this user`);
  } else {
    reasons.push(`${r.path} does not exist yet; run creates it`);
  }
  return {
    verdict,
    requested: 'a private, writable run directory for the control socket, state file and journal',
    observed,
    reasons,
  };
}

function shm(f: HostFacts, d: ThreadDemand): Check {
  const s = f.shm;
  const type = f.files.mounts !== null ? (mountType(f.files.mounts, '/dev/shm') ?? null) : null;
  const observed = {
    path: s.path,
    exists: s.exists,
    writable: s.writable,
    fs_type: type,
    free_bytes: s.freeBytes,
    ring_bytes: d.ringBytes,
  };
  if (!s.exists)
    return { verdict: 'bad', requested: REQ_SHM, observed, reasons: ['/dev/shm does not exist; mount a tmpfs there'] };
  const reasons: string[] = [];
  let verdict: Verdict = 'ok';
  if (!s.writable) {
    verdict = 'bad';
    reasons.push('/dev/shm is not writable by this user');
  }
  if (d.ringBytes !== null && s.freeBytes !== null && s.freeBytes < d.ringBytes) {
    verdict = 'bad';
    reasons.push(`/dev/shm has ${fmtBytes(s.freeBytes)} free, the spec's rings need ${fmtBytes(d.ringBytes)}`);
  }
  if (type === null) {
    if (verdict === 'ok') verdict = 'unknown';
    reasons.push(...unreadable(f, '/proc/self/mounts'), 'the filesystem type of /dev/shm is unknown');
  } else if (type !== 'tmpfs' && type !== 'hugetlbfs') {
    if (verdict === 'ok') verdict = 'partial';
    reasons.push(`/dev/shm is ${type}, not tmpfs or hugetlbfs (memory-backed)`);
  }
  return { verdict, requested: REQ_SHM, observed, reasons };
}
const REQ_SHM = '/dev/shm on a memory-backed filesystem (tmpfs or hugetlbfs), writable, with room for the rings';

function cpuHeadroom(f: HostFacts, d: ThreadDemand, profile: TuningProfile, x: Derived): Check {
  const spin = PROFILE_WAIT[profile] === 'spin';
  const cpus = x.allowed ?? null;
  const count = cpus ? cpus.length : f.availableParallelism;
  const observed = {
    allowed_cpus: cpus ? fmtCpus(cpus) : null,
    usable_cpus: count,
    available_parallelism: f.availableParallelism,
    runtime_threads: d.totalThreads,
    demand_source: d.source,
  };
  const requested = spin
    ? `one CPU for each of the ${d.totalThreads} runtime threads (spinning threads must not share a CPU)`
    : `CPUs for the ${d.totalThreads} runtime threads (backoff waits tolerate sharing)`;
  const reasons: string[] = [];
  if (d.source === 'minimum') reasons.push('no --spec: counted the minimum of one stage thread plus the main thread');
  if (!cpus) reasons.push(...unreadable(f, '/proc/self/status'), 'used os.availableParallelism() for the CPU count');
  if (count >= d.totalThreads) return { verdict: 'ok', requested, observed, reasons };
  reasons.push(
    `${d.totalThreads} runtime threads on ${count} usable CPUs` +
      `${spin ? ': spinning threads would starve each other; use the default profile or a host with more CPUs' : ': backoff waits yield, so it runs, more slowly'}`,
  );
  return { verdict: spin ? 'bad' : 'partial', requested, observed, reasons };
}

function waitStrategy(d: ThreadDemand, profile: TuningProfile): Check {
  const want = PROFILE_WAIT[profile];
  const observed = { profile_wait: want, spec_wait: d.wait };
  if (d.wait === null)
    return {
      verdict: 'unknown',
      requested: `wait=${want}`,
      observed,
      reasons: ["no --spec: the spec's wait strategy is unknown"],
    };
  return d.wait === want
    ? { verdict: 'ok', requested: `wait=${want}`, observed, reasons: [] }
    : {
        verdict: 'partial',
        requested: `wait=${want}`,
        observed,
        reasons: [`the spec asks wait=${d.wait}, the ${profile} profile implies wait=${want}`],
      };
}

function memlock(f: HostFacts, d: ThreadDemand, x: Derived): Check {
  const limit = f.files.limits !== null ? parseLimit(f.files.limits, 'Max locked memory') : undefined;
  const cap = hasCapability(x.status?.get('CapEff'), CAP_IPC_LOCK);
  const locked = x.status ? statusBytes(x.status, 'VmLck') : undefined;
  const rss = x.status ? statusBytes(x.status, 'VmRSS') : undefined;
  const need = d.ringBytes ?? MEMLOCK_FLOOR_BYTES;
  const observed = {
    rlimit_memlock_soft: limit ? (limit.soft === 'unlimited' ? 'unlimited' : limit.soft) : null,
    rlimit_memlock_hard: limit ? (limit.hard === 'unlimited' ? 'unlimited' : limit.hard) : null,
    cap_ipc_lock: cap ?? null,
    vm_locked_bytes: locked ?? null,
    vm_rss_bytes: rss ?? null,
    needed_bytes: need,
  };
  const requested = 'mlockall: lock all current and future memory of the runtime';
  if (!limit || cap === undefined)
    return {
      verdict: 'unknown',
      requested,
      observed,
      reasons: [
        ...unreadable(f, '/proc/self/limits', '/proc/self/status'),
        'RLIMIT_MEMLOCK or the capability set is unknown',
      ],
    };
  if (locked !== undefined && rss !== undefined && locked > 0 && locked >= rss * 0.9)
    return { verdict: 'ok', requested, observed, reasons: [] };
  if (cap || limit.soft === 'unlimited') {
    return {
      verdict: 'partial',
      requested,
      observed,
      reasons: [
        `the host allows locking all memory (${cap ? 'CAP_IPC_LOCK' : 'RLIMIT_MEMLOCK unlimited'}), but Node.js ` +
          `has no mlockall, so this runtime cannot lock its own memory (VmLck ${fmtBytes(locked ?? 0)})`,
      ],
    };
  }
  if (limit.soft >= need) {
    return {
      verdict: 'partial',
      requested,
      observed,
      reasons: [
        `RLIMIT_MEMLOCK ${fmtBytes(limit.soft)} covers ` +
          `${d.ringBytes !== null ? 'the rings' : `${fmtBytes(need)}`} but not the whole process; and Node.js has ` +
          `no mlockall, so this runtime cannot lock its own memory`,
      ],
    };
  }
  return {
    verdict: 'bad',
    requested,
    observed,
    reasons: [
      `RLIMIT_MEMLOCK is ${fmtBytes(limit.soft)} (needs at least ${fmtBytes(need)}) and CAP_IPC_LOCK is not ` +
        `held: raise it (systemd LimitMEMLOCK=infinity, or ulimit -l unlimited)`,
    ],
  };
}

function cpuPinning(f: HostFacts, d: ThreadDemand, profile: TuningProfile, x: Derived): Check {
  const requested =
    profile === 'isolated-core'
      ? 'each runtime thread on its own isolated CPU'
      : profile === 'low-latency'
        ? 'balanced: runtime threads spread one per CPU'
        : null;
  const observed = {
    allowed_cpus: x.allowed ? fmtCpus(x.allowed) : null,
    online_cpus: x.online ? fmtCpus(x.online) : null,
    runtime_threads: d.totalThreads,
  };
  if (!x.allowed)
    return {
      verdict: 'unknown',
      requested,
      observed,
      reasons: [...unreadable(f, '/proc/self/status'), 'the CPU affinity of this process is unknown'],
    };
  if (x.allowed.length < d.totalThreads)
    return {
      verdict: 'bad',
      requested,
      observed,
      reasons: [
        `only ${x.allowed.length} CPUs are allowed for ${d.totalThreads} runtime threads, so they cannot each ` +
          `have a CPU`,
      ],
    };
  const confined = x.online !== null && x.allowed.length < x.online.length;
  return {
    verdict: 'partial',
    requested,
    observed,
    reasons: [
      `this runtime does not pin its threads (Node.js has no thread-affinity API); the OS places its ` +
        `${d.totalThreads} threads on the ${x.allowed.length} allowed CPUs` +
        `${confined ? ' (the process is confined, e.g. by taskset or a cpuset)' : '; confine it with taskset -c LIST'}`,
    ],
  };
}

function cpuIsolation(f: HostFacts, d: ThreadDemand, x: Derived): Check {
  const requested =
    `an isolated CPU set (isolcpus) holding the ${d.totalThreads} runtime threads, with this process confined to ` +
    `it`;
  const observed = {
    isolated_cpus: x.isolated ? fmtCpus(x.isolated) : null,
    allowed_cpus: x.allowed ? fmtCpus(x.allowed) : null,
    runtime_threads: d.totalThreads,
  };
  if (!x.isolated || !x.allowed)
    return {
      verdict: 'unknown',
      requested,
      observed,
      reasons: [
        ...unreadable(f, '/sys/devices/system/cpu/isolated', '/proc/self/status'),
        "the isolated CPU set or this process's affinity is unknown",
      ],
    };
  if (x.isolated.length === 0)
    return {
      verdict: 'bad',
      requested,
      observed,
      reasons: [
        'no CPUs are isolated (/sys/devices/system/cpu/isolated is empty); boot with isolcpus=LIST (and ' +
          'nohz_full=LIST)',
      ],
    };
  if (x.isolated.length < d.totalThreads)
    return {
      verdict: 'bad',
      requested,
      observed,
      reasons: [
        `${x.isolated.length} isolated CPUs for ${d.totalThreads} runtime threads; isolate more CPUs or use ` +
          `fewer stages/shards`,
      ],
    };
  const iso = new Set(x.isolated);
  const inside = x.allowed.filter((c) => iso.has(c));
  if (inside.length === x.allowed.length) return { verdict: 'ok', requested, observed, reasons: [] };
  return {
    verdict: 'partial',
    requested,
    observed,
    reasons: [
      `the host isolates CPUs ${fmtCpus(x.isolated)} but this process may also run on ` +
        `${fmtCpus(x.allowed.filter((c) => !iso.has(c)))}; start it under taskset -c ${fmtCpus(x.isolated)}`,
    ],
  };
}

function rtScheduling(f: HostFacts, x: Derived): Check {
  const policy = f.files.stat !== null ? (parseSchedPolicy(f.files.stat) ?? null) : null;
  const rtprio = f.files.limits !== null ? parseLimit(f.files.limits, 'Max realtime priority') : undefined;
  const cap = hasCapability(x.status?.get('CapEff'), CAP_SYS_NICE);
  const rtRuntime = f.files.rtRuntimeUs !== null ? Number(f.files.rtRuntimeUs.trim()) : null;
  const observed = {
    policy,
    rlimit_rtprio_soft: rtprio ? (rtprio.soft === 'unlimited' ? 'unlimited' : rtprio.soft) : null,
    cap_sys_nice: cap ?? null,
    sched_rt_runtime_us: rtRuntime,
  };
  const requested = 'SCHED_FIFO for the runtime threads';
  if (policy === 'fifo' || policy === 'rr') return { verdict: 'ok', requested, observed, reasons: [] };
  if (policy === null || !rtprio || cap === undefined)
    return {
      verdict: 'unknown',
      requested,
      observed,
      reasons: [
        ...unreadable(f, '/proc/self/stat', '/proc/self/limits', '/proc/self/status'),
        'the scheduling policy or RT permission is unknown',
      ],
    };
  const permitted = cap || rtprio.soft === 'unlimited' || rtprio.soft > 0;
  if (!permitted)
    return {
      verdict: 'bad',
      requested,
      observed,
      reasons: [
        'no permission for real-time scheduling: RLIMIT_RTPRIO is 0 and CAP_SYS_NICE is not held (systemd ' +
          'LimitRTPRIO=99 or CAP_SYS_NICE)',
      ],
    };
  if (rtRuntime === 0)
    return {
      verdict: 'bad',
      requested,
      observed,
      reasons: ['kernel.sched_rt_runtime_us is 0: real-time tasks get no CPU time'],
    };
  return {
    verdict: 'partial',
    requested,
    observed,
    reasons: [
      `the host permits SCHED_FIFO (${cap ? 'CAP_SYS_NICE' : `RLIMIT_RTPRIO ${rtprio.soft}`}), but this process ` +
        `runs SCHED_${(policy ?? 'other').toUpperCase()} and this runtime does not change its own policy; start it ` +
        `under chrt -f 10 (worker threads inherit it)`,
    ],
  };
}

// -- assembling the report -------------------------------------------------------------------

function toItem(id: ItemId, profile: TuningProfile, c: Check): DoctorItem {
  const requirement = REQUIREMENTS[id][profile];
  const status: DoctorItem['status'] =
    requirement === 'none'
      ? 'not_requested'
      : c.verdict === 'ok'
        ? 'applied'
        : c.verdict === 'partial'
          ? 'degraded'
          : c.verdict === 'unknown'
            ? 'unchecked'
            : requirement === 'required'
              ? 'failed'
              : 'degraded';
  return {
    id,
    title: TITLES[id],
    requirement,
    requested: requirement === 'none' ? null : c.requested,
    status,
    observed: c.observed,
    reasons: c.reasons,
  };
}

export function evaluate(profile: TuningProfile, f: HostFacts, d: ThreadDemand): DoctorItem[] {
  const x = derive(f);
  const checks: Array<[ItemId, Check]> = [
    ['runtime_version', runtimeVersion(f)],
    ['shared_array_buffer', probe(f.probes.sharedArrayBuffer, 'SharedArrayBuffer with Atomics')],
    ['wasm_threads', probe(f.probes.wasmThreads, 'a shared WebAssembly.Memory and atomic instructions')],
    ['atomics_wait_worker', probe(f.probes.atomicsWaitInWorker, 'Atomics.wait allowed in worker threads')],
    ['run_dir', runDir(f)],
    ['shm', shm(f, d)],
    ['cpu_headroom', cpuHeadroom(f, d, profile, x)],
    ['wait_strategy', waitStrategy(d, profile)],
    ['memlock', memlock(f, d, x)],
    ['cpu_pinning', cpuPinning(f, d, profile, x)],
    ['cpu_isolation', cpuIsolation(f, d, x)],
    ['rt_scheduling', rtScheduling(f, x)],
  ];
  return checks.map(([id, c]) => toItem(id, profile, c));
}

/** A required item that failed or could not be checked makes the host not ready (exit 5). */
export function hostReady(items: readonly DoctorItem[]): boolean {
  return !items.some((i) => i.requirement === 'required' && (i.status === 'failed' || i.status === 'unchecked'));
}
