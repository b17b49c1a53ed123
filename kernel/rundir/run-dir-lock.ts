/**
 * Exclusive ownership of a run directory: `run.lock`, taken before the runtime opens, truncates,
 * starts or writes anything (its --output, stage workers, policy_audit.json, state.json, the
 * journal, the socket). The lock is created atomically with its content (a private temporary
 * file, O_EXCL|O_NOFOLLOW, 0600, hard-linked to `run.lock`: link fails when the name exists,
 * even as a symlink) and names its owner by pid and process start time (/proc/<pid>/stat), so a
 * lock left by a dead owner, or by a pid since reused, is recognised as stale and taken over.
 * It is removed when the owner releases it or exits.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { processStartTicks } from './process-identity.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export const LOCK_FILE = 'run.lock';

/** A process as a lock names it: its pid and, where /proc has it, its start time (clock ticks since boot). */
export interface LockOwner {
  pid: number;
  proc_start: string | null;
}

export interface RunDirLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Remove the lock (when it is still ours); idempotent. */
  release(): void;
}

/** The start time of process `pid` from /proc (field 22 of stat), or null where there is no /proc. */
export function processStartTime(pid: number): string | null {
  const ticks = processStartTicks(pid); // the one /proc/<pid>/stat reader (process-identity.ts)
  return typeof ticks === 'number' ? String(ticks) : null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is the process a lock names still running (the same process: same start time)? */
export function ownerAlive(owner: LockOwner): boolean {
  if (!processAlive(owner.pid)) return false;
  if (owner.proc_start === null) return true;
  const now = processStartTime(owner.pid);
  return now === null || now === owner.proc_start;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const v = JSON.parse(text) as { pid?: unknown; proc_start?: unknown };
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0) return null;
    return { pid: v.pid, proc_start: typeof v.proc_start === 'string' ? v.proc_start : null };
  } catch {
    return null;
  }
}

/** Read a lock file without following a symlink; null when it is gone. */
function readLock(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Create `path` exclusively (never through a symlink) with `text`, mode 0600 whatever the umask. */
export function createExclusive(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    const buf = Buffer.from(text);
    let done = 0;
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
  } finally {
    closeSync(fd);
  }
}

const busy = (dir: string, owner: LockOwner) =>
  KernelErrors.error(
    'BYTEOR_E_RUNDIR_BUSY',
    `another runtime (pid ${owner.pid}) owns the run directory ${dir}; stop it first ("byteor stop --run-dir=` +
      `${dir}") or give another --run-dir`,
    { run_dir: dir, pid: owner.pid },
  );

const unlockable = (dir: string, e: unknown) =>
  KernelErrors.error(
    'BYTEOR_E_RUNDIR_UNWRITABLE',
    `cannot take the lock of run directory ${dir}: ${e instanceof Error ? e.message : String(e)}; give a ` +
      `writable one with --run-dir=DIR`,
    { run_dir: dir },
  );

/**
 * Take the run directory's lock, or throw BYTEOR_E_RUNDIR_BUSY naming the live owner. A stale
 * lock is moved aside under a unique name first, so two starters that both found it stale cannot
 * both remove it: the one that moved a lock that is not the stale one puts it back.
 */
export function lockRunDir(dir: string): RunDirLock {
  const path = join(dir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, proc_start: processStartTime(process.pid) };
  const text = `${JSON.stringify(owner)}\n`;
  for (let attempt = 0; attempt < 8; attempt++) {
    const tmp = `${path}.new-${randomBytes(8).toString('hex')}`;
    try {
      createExclusive(tmp, text);
      try {
        linkSync(tmp, path);
        return held(path, owner, text);
      } finally {
        unlinkSync(tmp);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !(e as NodeJS.ErrnoException).syscall?.startsWith('link'))
        throw unlockable(dir, e);
    }
    let found: string | null;
    try {
      found = readLock(path);
    } catch (e) {
      throw unlockable(dir, e);
    }
    if (found === null) continue; // released meanwhile
    const other = parseOwner(found);
    if (other && ownerAlive(other)) throw busy(dir, other);
    // stale (dead owner, reused pid, or an unreadable lock): move it aside, check what was moved
    const aside = `${path}.stale-${randomBytes(8).toString('hex')}`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    const moved = readLock(aside);
    if (moved !== found) {
      try {
        linkSync(aside, path);
      } catch {
        /* a third starter holds it now */
      }
      unlinkSync(aside);
      const live = moved !== null ? parseOwner(moved) : null;
      if (live) throw busy(dir, live);
      continue;
    }
    unlinkSync(aside);
  }
  throw unlockable(dir, new Error('the lock kept changing hands'));
}

function held(path: string, owner: LockOwner, text: string): RunDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (readLock(path) === text) unlinkSync(path);
    } catch {
      /* gone already */
    }
  };
  process.on('exit', release);
  return { path, owner, release };
}
