import { writePrivateFile } from '../io/private-file.ts';
import type { z } from 'zod';
import { KernelErrors } from '../errors/kernel-errors.ts';

/**
 * Artifacts are JSON with 2-space indent, a trailing newline and a stable key order: object
 * keys in the order the artifact's zod schema declares them (zod's output preserves it), and
 * maps without a schema order sorted by key.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/**
 * Validate against the artifact's schema, then write atomically and privately (0600, never
 * through a planted symlink: kernel/io/private-file.ts).
 */
export function writeJsonArtifact<S extends z.ZodType>(path: string, schema: S, value: z.input<S>): z.output<S> {
  const parsed = schema.parse(value);
  try {
    writePrivateFile(path, stableJson(parsed));
  } catch (e) {
    throw KernelErrors.error(
      'BYTEOR_E_ARTIFACT_WRITE',
      `cannot write ${path}: ${e instanceof Error ? e.message : String(e)}; check that its directory exists and ` +
        `is writable`,
      { path, ...(errnoOf(e) ? { errno: errnoOf(e) } : {}) },
    );
  }
  return parsed;
}

function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
