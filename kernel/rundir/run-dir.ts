/**
 * The run directory of a long-running runtime (DESIGN.md §4): `--run-dir=DIR`, else
 * `/run/byteor` when it is (or can be made) writable, else `$TMPDIR/byteor-<uid>`. It holds
 * `control.sock` (JSON-lines control socket), `state.json` (the last snapshot, rewritten about
 * once a second and at stop) and `journal/` (the ingress journal). One live runtime per
 * directory: a socket that answers means the directory is taken; one that does not is stale
 * and removed.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteorError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';

export const DEFAULT_RUN_DIR = '/run/byteor';
export const CONTROL_SOCKET = 'control.sock';
export const STATE_FILE = 'state.json';
export const JOURNAL_DIR = 'journal';

export interface RunDirPaths { dir: string; socket: string; state: string; journal: string }

export function runDirPaths(dir: string): RunDirPaths {
  return { dir, socket: join(dir, CONTROL_SOCKET), state: join(dir, STATE_FILE), journal: join(dir, JOURNAL_DIR) };
}

function writableDir(dir: string): boolean {
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) return false;
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The per-user fallback under the system temp dir. */
export function userRunDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `byteor-${uid}`);
}

/** Where a runtime's run directory is (for readers: nothing is created). */
export function locateRunDir(flag: string | undefined): string {
  if (flag) return flag;
  if (existsSync(join(DEFAULT_RUN_DIR, CONTROL_SOCKET)) || existsSync(join(DEFAULT_RUN_DIR, STATE_FILE))) return DEFAULT_RUN_DIR;
  return userRunDir();
}

/** Resolve and create the run directory of a starting runtime. */
export function prepareRunDir(flag: string | undefined): RunDirPaths {
  const dir = flag ?? (writableDir(DEFAULT_RUN_DIR) ? DEFAULT_RUN_DIR : userRunDir());
  if (!writableDir(dir)) {
    throw new ByteorError('BYTEOR_E_RUNDIR_UNWRITABLE', `run directory ${dir} cannot be created or written; give a writable one with --run-dir=DIR`, ExitCode.HOST_NOT_READY, { run_dir: dir });
  }
  return runDirPaths(dir);
}
