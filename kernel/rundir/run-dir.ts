/**
 * The run directory of a long-running runtime (DESIGN.md §4): `--run-dir=DIR`, else
 * `/run/byteor` when it is (or can be made) a directory of our own, else `$TMPDIR/byteor-<uid>`.
 * It holds `run.lock` (its owner: run-dir-lock.ts), `control.sock` (JSON-lines control socket),
 * `state.json` (the last snapshot, rewritten about once a second and at stop) and `journal/`
 * (the ingress journal). One live runtime per directory: the lock is taken before anything else.
 *
 * A run directory must belong to the runtime's user and be writable by nobody else: one that
 * another user created (e.g. `$TMPDIR/byteor-<uid>` made 0777 by someone else to read or plant
 * files in it) is refused with BYTEOR_E_RUNDIR_UNSAFE. One we create, or own, is made 0700.
 */
import { chmodSync, lstatSync, mkdirSync, existsSync, statSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockRunDir, type RunDirLock } from './run-dir-lock.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export const DEFAULT_RUN_DIR = '/run/byteor';
export const CONTROL_SOCKET = 'control.sock';
export const STATE_FILE = 'state.json';
export const JOURNAL_DIR = 'journal';

export interface RunDirPaths {
  dir: string;
  socket: string;
  state: string;
  journal: string;
}

export function runDirPaths(dir: string): RunDirPaths {
  return { dir, socket: join(dir, CONTROL_SOCKET), state: join(dir, STATE_FILE), journal: join(dir, JOURNAL_DIR) };
}

/** The per-user fallback under the system temp dir. */
export function userRunDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `byteor-${uid}`);
}

/** Where a runtime's run directory is (for readers: nothing is created). */
export function locateRunDir(flag: string | undefined): string {
  if (flag) return flag;
  if (existsSync(join(DEFAULT_RUN_DIR, CONTROL_SOCKET)) || existsSync(join(DEFAULT_RUN_DIR, STATE_FILE)))
    return DEFAULT_RUN_DIR;
  return userRunDir();
}

/**
 * Why a run directory (`st`; `isLink` when it is a symlink that is not to be followed) is not ours alone; null when it
 * is.
 */
export function runDirProblem(st: Stats, isLink: boolean): string | null {
  if (isLink) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a directory';
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  if (uid !== null && st.uid !== uid) return `belongs to uid ${st.uid}, not to this user (uid ${uid})`;
  if ((st.mode & 0o022) !== 0) return `is writable by its group or by others (mode 0${(st.mode & 0o7777).toString(8)})`;
  return null;
}

const unsafe = (dir: string, problem: string, flag: boolean) =>
  KernelErrors.error(
    'BYTEOR_E_RUNDIR_UNSAFE',
    `run directory ${dir} ${problem}; another user could read or plant files in it. ` +
      (flag
        ? 'Give a directory of your own, writable only by you (mode 0700), with --run-dir=DIR'
        : `Remove it (rm -r ${dir}) or give a directory of your own, writable only by you, with --run-dir=DIR`),
    { run_dir: dir },
  );

const unwritable = (dir: string, e: unknown) =>
  KernelErrors.error(
    'BYTEOR_E_RUNDIR_UNWRITABLE',
    `run directory ${dir} cannot be created or written${e instanceof Error ? ` (${e.message})` : ''}; give a ` +
      `writable one with --run-dir=DIR`,
    { run_dir: dir },
  );

/**
 * Create `dir` (mode 0700) unless it exists, check that it is ours alone, make it 0700. Throws
 * BYTEOR_E_RUNDIR_UNSAFE or BYTEOR_E_RUNDIR_UNWRITABLE. A symlink is followed only for a
 * directory the operator named (`followLinks`).
 */
export function ensureRunDir(dir: string, followLinks: boolean): void {
  try {
    mkdirSync(dir, { recursive: followLinks, mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(dir, e);
  }
  let st: Stats;
  let isLink = false;
  try {
    const l = lstatSync(dir);
    isLink = l.isSymbolicLink();
    st = isLink && followLinks ? statSync(dir) : l;
  } catch (e) {
    throw unwritable(dir, e);
  }
  const problem = runDirProblem(st, isLink && !followLinks);
  if (problem) throw unsafe(dir, problem, followLinks);
  if ((st.mode & 0o777) !== 0o700) {
    try {
      chmodSync(dir, 0o700);
    } catch (e) {
      throw unwritable(dir, e);
    }
  }
}

/** The default run directory when it can be one of ours, else null (the caller falls back). */
function usableDefault(): string | null {
  try {
    ensureRunDir(DEFAULT_RUN_DIR, false);
    return DEFAULT_RUN_DIR;
  } catch {
    return null;
  }
}

/** Resolve and create the run directory of a starting runtime (no lock: see claimRunDir). */
export function prepareRunDir(flag: string | undefined): RunDirPaths {
  if (flag) {
    ensureRunDir(flag, true);
    return runDirPaths(flag);
  }
  const dir = usableDefault() ?? userRunDir();
  if (dir !== DEFAULT_RUN_DIR) ensureRunDir(dir, false);
  return runDirPaths(dir);
}

export interface ClaimedRunDir {
  paths: RunDirPaths;
  lock: RunDirLock;
}

/**
 * Prepare the run directory of a starting runtime and take its lock (BYTEOR_E_RUNDIR_BUSY when
 * another live runtime owns it). Called before anything is opened, started or written.
 */
export function claimRunDir(flag: string | undefined): ClaimedRunDir {
  const paths = prepareRunDir(flag);
  return { paths, lock: lockRunDir(paths.dir) };
}
