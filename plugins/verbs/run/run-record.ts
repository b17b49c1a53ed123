import { hostname } from 'node:os';
import { join } from 'node:path';
import { EnvironmentCapture, ENVIRONMENT_FILE } from '../../../kernel/artifacts/environment-capture.ts';
import { writeJsonArtifact } from '../../../kernel/artifacts/json.ts';
import {
  RunInvocation,
  RUN_INVOCATION_FILE,
  RUN_INVOCATION_VERSION,
} from '../../../kernel/artifacts/run-invocation.ts';
import type { RunInfo } from '../../../kernel/hooks.ts';
import type { LoadedPlugin } from '../../../kernel/plugin-contract.ts';
import { redactArgv, redactJson } from '../../../kernel/redact.ts';
import { processStartTicks } from '../../../kernel/rundir/process-identity.ts';
import { captureEnvironment } from '../incident-bundle/environment.ts';
import type { AdapterBinding, AdapterConfig } from './adapter-config.ts';

/**
 * The run records itself: once its run directory is its own (the control socket listens), a
 * long-running runtime writes there `invocation.json` (how it was started: RunInvocation) and
 * `environment.json` (its own environment capture: pid, cwd, argv, env), both through the
 * kernel's redactor (kernel/redact.ts: secret names and secrets inside values), mode 0600 (as
 * every artifact: writeJsonArtifact).
 * `incident-bundle` copies them.
 */
export function recordRun(opts: {
  runDir: string;
  info: RunInfo;
  plugins: ReadonlyArray<LoadedPlugin>;
  config: { path: string; bindings: AdapterConfig } | null;
  env: Readonly<Record<string, string | undefined>>;
  startedUnixMs: number;
  /** the CLI's arguments (VerbContext.argv) */
  args: readonly string[] | undefined;
}): void {
  const { info } = opts;
  const flags: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info.flags)) if (v !== undefined) flags[k] = v;
  const deno = (globalThis as { Deno?: unknown }).Deno !== undefined;
  const capture = captureEnvironment(opts.env);
  writeJsonArtifact(join(opts.runDir, RUN_INVOCATION_FILE), RunInvocation, {
    invocation_v: RUN_INVOCATION_VERSION,
    verb: 'run',
    started_unix_ms: opts.startedUnixMs,
    argv: capture.args,
    ...(opts.args ? { args: redactArgv(opts.args) } : {}),
    flags: redactJson(flags, true),
    spec: { path: info.specPath, hash: info.specHash, name: info.spec.name, model: info.spec.model },
    run_dir: info.runDir,
    adapter_config: opts.config
      ? {
          path: opts.config.path,
          ingress: redacted(opts.config.bindings.ingress),
          egress: redacted(opts.config.bindings.egress),
        }
      : null,
    plugins: opts.plugins.map((p) => ({ name: p.name, version: p.version })),
    host: {
      hostname: hostname(),
      pid: process.pid,
      start_ticks: processStartTicks('self') ?? null,
      js_runtime: deno
        ? { name: 'deno', version: process.versions.deno ?? 'unknown' }
        : { name: 'node', version: process.versions.node },
      platform: process.platform,
      arch: process.arch,
    },
  });
  writeJsonArtifact(join(opts.runDir, ENVIRONMENT_FILE), EnvironmentCapture, capture);
}

/** A binding with secret-named settings (token, password, …) and secrets inside values (URL credentials) redacted. */
function redacted(b: AdapterBinding | null): AdapterBinding | null {
  return b ? { kind: b.kind, settings: redactJson(b.settings, true) } : null;
}
