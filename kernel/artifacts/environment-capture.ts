import { z } from 'zod';

/**
 * `environment.json` in an incident bundle (ByteOr artifact schemas v1): the capturing process's
 * `pid`, `cwd`, `args`, its environment as `[name, value]` pairs sorted by name, and the raw
 * text of `/proc/self/status` (null off Linux). Values of variables whose name contains KEY,
 * TOKEN, SECRET, PASSWORD or CRED (any case) are replaced by REDACTED_VALUE.
 */
export const ENVIRONMENT_FILE = 'environment.json';
export const REDACTED_VALUE = '<redacted>';
export const SECRET_NAME_PARTS = ['KEY', 'TOKEN', 'SECRET', 'PASSWORD', 'CRED'] as const;

export const EnvironmentCapture = z.object({
  pid: z.number().int().nonnegative(),
  cwd: z.string().nullable(),
  args: z.array(z.string()),
  env: z.array(z.tuple([z.string(), z.string()])).refine(
    (pairs) => pairs.every((p, i) => i === 0 || pairs[i - 1]![0] < p[0]),
    'env must be sorted by name, each name once',
  ),
  proc_status: z.string().nullable(),
});
export type EnvironmentCapture = z.infer<typeof EnvironmentCapture>;

/** Whether a variable's value must not leave the host. */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_NAME_PARTS.some((p) => upper.includes(p));
}

/** The environment as sorted pairs, secrets redacted, unset entries left out. */
export function redactedEnv(env: Readonly<Record<string, string | undefined>>): Array<[string, string]> {
  return Object.keys(env)
    .filter((k) => env[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => [k, isSecretName(k) ? REDACTED_VALUE : env[k]!]);
}
