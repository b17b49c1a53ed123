/**
 * ByteOr's path flags for the place a runtime's shared memory lives: `--ring-path=` (SingleRing,
 * documented for `incident-bundle`) and `--lane-path=` (LaneGraph / EdgePlane, documented for
 * `run`; "else derived from the /run/byteor conventions"). In byteor-ts rings and lanes live in
 * the runtime process's memory and are reached through its run directory (control socket, state
 * file, journal), so both flags name that run directory — or a file in it (`control.sock`,
 * `state.json`), whose directory is taken. They are accepted wherever `--run-dir` is; given
 * together, they must name the same directory.
 */
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { CONTROL_SOCKET, STATE_FILE } from './run-dir.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export interface RuntimePathFlags {
  'run-dir'?: string | undefined;
  'ring-path'?: string | undefined;
  'lane-path'?: string | undefined;
}

export const RUNTIME_PATH_FLAGS = ['run-dir', 'ring-path', 'lane-path'] as const;

/** The run directory the flags name (undefined: none given). */
export function runDirFromFlags(flags: RuntimePathFlags): string | undefined {
  let chosen: { flag: string; dir: string; given: string } | undefined;
  for (const flag of RUNTIME_PATH_FLAGS) {
    const value = flags[flag];
    if (value === undefined) continue;
    const dir = flag === 'run-dir' ? resolve(value) : runDirOf(value);
    if (chosen && chosen.dir !== dir) {
      throw KernelErrors.error(
        'BYTEOR_E_USAGE_BAD_FLAG',
        `--${chosen.flag}=${flags[chosen.flag as keyof RuntimePathFlags]} and --${flag}=${value} name different ` +
          `run directories (${chosen.dir}, ${dir}); give one of them`,
      );
    }
    // --run-dir is kept as given; a ring or lane path becomes its run directory
    chosen ??= { flag, dir, given: flag === 'run-dir' ? value : dir };
  }
  return chosen?.given;
}

/** A ring or lane path: the run directory itself, or its control socket or state file. */
function runDirOf(path: string): string {
  const abs = resolve(path);
  const name = basename(abs);
  if (name === CONTROL_SOCKET || name === STATE_FILE) return dirname(abs);
  try {
    if (!statSync(abs).isDirectory()) {
      throw KernelErrors.error(
        'BYTEOR_E_USAGE_BAD_FLAG',
        `${path} is neither a run directory nor its ${CONTROL_SOCKET} or ${STATE_FILE}; give the runtime's run ` +
          `directory`,
      );
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return abs;
}
