import { closeSync, constants, fchmodSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ByteorError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import type { z } from 'zod';

/**
 * Artifacts are JSON with 2-space indent, a trailing newline and a stable key order: object
 * keys in the order the artifact's zod schema declares them (zod's output preserves it), and
 * maps without a schema order sorted by key.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/**
 * Validate against the artifact's schema, then write atomically: a temporary file with a random
 * name next to `path`, created exclusively (O_EXCL|O_NOFOLLOW: never through a planted file or
 * symlink) with mode 0600 whatever the umask, then renamed over `path`.
 */
export function writeJsonArtifact<S extends z.ZodType>(path: string, schema: S, value: z.input<S>): z.output<S> {
  const parsed = schema.parse(value);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let created = false;
  try {
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    created = true;
    try {
      fchmodSync(fd, 0o600);
      writeFileSync(fd, stableJson(parsed));
    } finally { closeSync(fd); }
    renameSync(tmp, path);
  } catch (e) {
    if (created) { try { rmSync(tmp, { force: true }); } catch { /* nothing to clean up */ } }
    throw new ByteorError('BYTEOR_E_ARTIFACT_WRITE', `cannot write ${path}: ${e instanceof Error ? e.message : String(e)}; check that its directory exists and is writable`, ExitCode.RUNTIME_FAILURE, { path, ...(errnoOf(e) ? { errno: errnoOf(e) } : {}) });
  }
  return parsed;
}

function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
