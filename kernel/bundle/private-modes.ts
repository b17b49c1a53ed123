import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An incident bundle holds journal records and the runtime's configuration: it is private to its
 * owner whatever the umask. Directories are 0700, files 0600, set explicitly (a mode given to
 * mkdir/open is only ever narrowed by the umask, never widened, but an umask of 000 leaves
 * 0666/0777 defaults world-readable).
 */
export const BUNDLE_DIR_MODE = 0o700;
export const BUNDLE_FILE_MODE = 0o600;

/** Create `dir` (and missing parents' last component) as 0700, whatever the umask. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: BUNDLE_DIR_MODE });
  chmodSync(dir, BUNDLE_DIR_MODE);
}

/**
 * Set 0700 on `dir` and every directory below it and 0600 on every regular file; links are left alone (and refused by
 * the manifest).
 */
export function sealPrivateModes(dir: string): void {
  chmodSync(dir, BUNDLE_DIR_MODE);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) sealPrivateModes(p);
    else if (st.isFile()) chmodSync(p, BUNDLE_FILE_MODE);
  }
}
