import { closeSync, constants, fchmodSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/**
 * Write a whole file atomically and privately: a temporary file with a random name next to
 * `path`, created exclusively (O_EXCL|O_NOFOLLOW: never through a planted file or symlink) with
 * mode 0600 whatever the umask, then renamed over `path`. Artifacts (writeJsonArtifact), reports
 * and source checkpoints all go through here; a failure removes the temporary file and throws the
 * file system's error.
 */

const FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const tempName = (path: string) => `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;

export function writePrivateFile(path: string, data: string | Uint8Array): void {
  const tmp = tempName(path);
  let created = false;
  try {
    const fd = openSync(tmp, FLAGS, 0o600);
    created = true;
    try {
      fchmodSync(fd, 0o600);
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    if (created) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        /* nothing to clean up */
      }
    }
    throw e;
  }
}

/** writePrivateFile without blocking the thread (checkpoints written on the ack path). */
export async function writePrivateFileAsync(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempName(path);
  let created = false;
  try {
    const fh = await open(tmp, FLAGS, 0o600);
    created = true;
    try {
      await fh.chmod(0o600);
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    if (created)
      await rm(tmp, { force: true }).catch(() => {
        /* nothing to clean up */
      });
    throw e;
  }
}
