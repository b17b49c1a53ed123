import { z } from 'zod';

/**
 * `invocation.json` in a long-running runtime's run directory (and copied into its incident
 * bundles): how the runtime was started, written once at start (mode 0600) by the `run` verb —
 * the verb, its argv and parsed flags (product settings such as DataGuard's registry, schema and
 * rules are flags), the spec it runs, the adapter config it bound (settings whose name looks
 * secret redacted), the plugins loaded with their versions, and the host process. With the
 * runtime's own `environment.json` beside it, a bundle says what ran, not what bundled it.
 */
export const RUN_INVOCATION_FILE = 'invocation.json';
export const RUN_INVOCATION_VERSION = 1;

const Binding = z.object({ kind: z.string(), settings: z.record(z.string(), z.string()) }).nullable();

export const RunInvocation = z.object({
  invocation_v: z.literal(RUN_INVOCATION_VERSION),
  verb: z.string(),
  started_unix_ms: z.number().int(),
  /** the process's arguments, values of secret-looking `--flag=value` redacted */
  argv: z.array(z.string()),
  /**
   * the arguments the CLI was given (verb and flags, as typed: what replay re-reads settings from), secret values
   * redacted
   */
  args: z.array(z.string()).optional(),
  /** the verb's parsed flags, secret-looking ones redacted */
  flags: z.record(z.string(), z.unknown()),
  spec: z.object({ path: z.string().nullable(), hash: z.string(), name: z.string(), model: z.string() }),
  run_dir: z.string().nullable(),
  adapter_config: z.object({ path: z.string(), ingress: Binding, egress: Binding }).nullable(),
  plugins: z.array(z.object({ name: z.string(), version: z.string() })),
  host: z.object({
    hostname: z.string(),
    pid: z.number().int(),
    /** the process's start time, clock ticks since boot (/proc/<pid>/stat field 22), null without /proc */
    start_ticks: z.number().int().nullable(),
    js_runtime: z.object({ name: z.enum(['node', 'deno']), version: z.string() }),
    platform: z.string(),
    arch: z.string(),
  }),
});
export type RunInvocation = z.infer<typeof RunInvocation>;
