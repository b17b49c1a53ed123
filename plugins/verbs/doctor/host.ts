import { accessSync, constants, readFileSync, statfsSync, statSync } from 'node:fs';
import { availableParallelism, arch, platform, release } from 'node:os';
import { dirname } from 'node:path';
import { probeAtomicsWaitInWorker, probeSharedArrayBuffer, probeWasmThreads, type ProbeResult } from './probes.ts';

/**
 * Everything doctor looks at, gathered once: raw texts of the Linux files (null when a file
 * cannot be read, with the reason in `unreadable`), path checks and live probes. The checks in
 * checks.ts are pure functions of these facts.
 */
export interface PathFacts {
  path: string;
  exists: boolean;
  isDirectory: boolean;
  writable: boolean;
  /** permission bits, e.g. 0o755 (null when it does not exist) */
  mode: number | null;
  ownerUid: number | null;
  /** the nearest existing ancestor is writable (a missing directory can be created) */
  creatable: boolean;
  /** bytes free on its filesystem (null when unknown) */
  freeBytes: number | null;
}

export interface HostFacts {
  platform: string;
  arch: string;
  release: string;
  runtime: string;
  runtimeVersion: string;
  uid: number | null;
  availableParallelism: number;
  files: {
    status: string | null;
    limits: string | null;
    stat: string | null;
    isolated: string | null;
    online: string | null;
    mounts: string | null;
    rtRuntimeUs: string | null;
  };
  /** file → why it could not be read */
  unreadable: Record<string, string>;
  runDir: PathFacts & { source: string };
  shm: PathFacts;
  probes: { sharedArrayBuffer: ProbeResult; wasmThreads: ProbeResult; atomicsWaitInWorker: ProbeResult };
}

const FILES = {
  status: '/proc/self/status',
  limits: '/proc/self/limits',
  stat: '/proc/self/stat',
  isolated: '/sys/devices/system/cpu/isolated',
  online: '/sys/devices/system/cpu/online',
  mounts: '/proc/self/mounts',
  rtRuntimeUs: '/proc/sys/kernel/sched_rt_runtime_us',
} as const;

export function pathFacts(path: string): PathFacts {
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  const can = (p: string, mode: number) => {
    try {
      accessSync(p, mode);
      return true;
    } catch {
      return false;
    }
  };
  let ancestor = path;
  while (!can(ancestor, constants.F_OK) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  let freeBytes: number | null = null;
  try {
    const s = statfsSync(st ? path : ancestor);
    freeBytes = s.bavail * s.bsize;
  } catch {
    /* unknown */
  }
  return {
    path,
    exists: st !== undefined,
    isDirectory: st?.isDirectory() ?? false,
    writable: st !== undefined && can(path, constants.W_OK | constants.X_OK),
    mode: st ? st.mode & 0o7777 : null,
    ownerUid: st ? st.uid : null,
    creatable: st === undefined && can(ancestor, constants.W_OK | constants.X_OK),
    freeBytes,
  };
}

export async function gatherHostFacts(runDir: { path: string; source: string }): Promise<HostFacts> {
  const files = {} as HostFacts['files'];
  const unreadable: Record<string, string> = {};
  for (const [k, p] of Object.entries(FILES) as Array<[keyof typeof FILES, string]>) {
    try {
      files[k] = readFileSync(p, 'utf8');
    } catch (e) {
      files[k] = null;
      unreadable[p] = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    }
  }
  const deno = (globalThis as { Deno?: { version?: { deno?: string } } }).Deno;
  return {
    platform: platform(),
    arch: arch(),
    release: release(),
    runtime: deno ? 'deno' : 'node',
    runtimeVersion: deno?.version?.deno ?? process.versions.node,
    uid: typeof process.getuid === 'function' ? process.getuid() : null,
    availableParallelism: availableParallelism(),
    files,
    unreadable,
    runDir: { ...pathFacts(runDir.path), source: runDir.source },
    shm: pathFacts('/dev/shm'),
    probes: {
      sharedArrayBuffer: probeSharedArrayBuffer(),
      wasmThreads: probeWasmThreads(),
      atomicsWaitInWorker: await probeAtomicsWaitInWorker(),
    },
  };
}
