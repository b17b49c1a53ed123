import { z } from 'zod';

/**
 * `environment.json` in an incident bundle (ByteOr artifact schemas v1): the capturing process's
 * `pid`, `cwd`, `args`, its environment as `[name, value]` pairs sorted by name, and the raw
 * text of `/proc/self/status` (null off Linux). Secrets are redacted by kernel/redact.ts
 * (redactedEnv, redactArgv) before the document is built.
 */
export const ENVIRONMENT_FILE = 'environment.json';

export const EnvironmentCapture = z.object({
  pid: z.number().int().nonnegative(),
  cwd: z.string().nullable(),
  args: z.array(z.string()),
  env: z
    .array(z.tuple([z.string(), z.string()]))
    .refine(
      (pairs) => pairs.every((p, i) => i === 0 || pairs[i - 1]![0] < p[0]),
      'env must be sorted by name, each name once',
    ),
  proc_status: z.string().nullable(),
});
export type EnvironmentCapture = z.infer<typeof EnvironmentCapture>;
