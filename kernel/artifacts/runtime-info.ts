import { z } from 'zod';

/**
 * `runtime.json` in an incident bundle: ByteOr's `crate.{name,version}` (this package), plus
 * byteor-ts's additions: the JavaScript runtime and the plugins that were loaded.
 */
export const RUNTIME_INFO_FILE = 'runtime.json';

export const RuntimeInfo = z.object({
  crate: z.object({ name: z.string(), version: z.string() }),
  js_runtime: z.object({ name: z.enum(['node', 'deno']), version: z.string() }).optional(),
  plugins: z.array(z.object({ name: z.string(), version: z.string() })).optional(),
});
export type RuntimeInfo = z.infer<typeof RuntimeInfo>;
