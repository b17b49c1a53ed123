import { statSync } from 'node:fs';
import { z } from 'zod';
import { stableJson } from '../../../kernel/artifacts/json.ts';
import { WAIT_KINDS, type WaitKind } from '../../../kernel/core/ring.ts';
import { KernelErrors } from '../../../kernel/errors/kernel-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import { LineEgress } from '../../../kernel/io/line-egress.ts';
import { LineIngress } from '../../../kernel/io/line-ingress.ts';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type FlagValues,
  type EgressAdapter,
  type IngressAdapter,
  type VerbContext,
} from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { resolveSpecPath, ENV_SPEC, DEFAULT_SPEC_PATH } from '../../../kernel/spec/load.ts';
import { runDirFromFlags } from '../../../kernel/rundir/runtime-path.ts';
import { readAdapterConfig, ingressFromBinding, egressFromBinding, type AdapterConfig } from './adapter-config.ts';
import { formatSummary } from './summary.ts';
import { ProgressLine, wantsProgress } from './progress.ts';
import { DEFAULT_DRAIN_TIMEOUT, parseDrainTimeout } from './drain-timeout.ts';
import { RunErrors } from './errors.ts';

/**
 * `byteor run`: run a SingleRing or a LaneGraph spec (dispatch on spec.model; LaneGraph:
 * kernel/lanegraph/, docs/lanegraph.md).
 *   --sp            one-shot bring-up: records through the pipeline, clean shutdown, summary.
 *   (without --sp)  the long-running form: a run directory with control socket, state file and
 *                   ingress journal; SIGINT/SIGTERM (or {"op":"stop"}) drain and exit 0.
 * Stop means drain, bounded: the first stop closes the source at once (nothing more is read;
 * a source with acks keeps what it did not hand over), the run says `draining`, and what was
 * accepted goes through every stage and egress; if that takes longer than --drain-timeout the
 * run aborts with BYTEOR_E_DRAIN_TIMEOUT (exit 1), counting and locating what was not delivered.
 * Lifecycle (owned by the kernel: kernel/run/run-pipeline.ts, through ctx.run): load + validate
 * the spec → claim the run directory (its lock: a busy one is refused before anything is opened
 * or started) → the adapters are made (here: --input/--output or --config) → hooks.runStarting
 * (a tap may refuse: nothing starts) → egress start → stage workers → (long-running: control
 * socket, then invocation.json and the runtime's environment.json in the run directory:
 * run-record.ts) → hooks.runStarted → ingress → drain → hooks.runStopped(summary) → the final
 * state file (state.json; --state-out=FILE, also with --sp). The verb says what is its own: the
 * adapters, the progress line, the summary and the exit status.
 * Exit 0 when every record was delivered or dropped by a stage; 1 when a stage or adapter
 * failed, the drain timed out, or records were refused (larger than slot_bytes: counted, never
 * truncated).
 */

const Flags = flags({
  spec: flag.string({ value: 'PATH', description: 'the spec.kv file' }),
  sp: flag.boolean({ description: 'one-shot bring-up: run the input through, then stop' }),
  input: flag.string({
    value: 'FILE|-',
    description: 'newline-delimited records (default: stdin)',
    schema: z.string().min(1).default('-'),
  }),
  output: flag.string({ value: 'FILE', description: 'write records here instead of stdout' }),
  'run-dir': flag.string({ value: 'DIR', description: 'run directory of the long-running form' }),
  'lane-path': flag.string({
    value: 'PATH',
    description:
      "ByteOr's name for where the runtime's lanes live: its run directory (or its control.sock / state.json)",
  }),
  config: flag.string({ value: 'PATH', description: 'adapter bindings (ingress.kind=..., egress.kind=...)' }),
  'adapter-max-messages': flag.string({
    value: 'N',
    description: 'stop the source after N records, then drain',
    schema: z
      .string()
      .regex(/^[1-9][0-9]{0,14}$/, 'must be a whole number >= 1')
      .transform(Number)
      .optional(),
  }),
  'dry-run': flag.boolean({ description: 'side effects are recorded, not performed' }),
  wait: flag.string({
    value: 'spin|backoff|block',
    description: 'override single_ring.wait / lane_graph.wait',
    schema: z.enum(Object.keys(WAIT_KINDS) as [WaitKind, ...WaitKind[]]).optional(),
  }),
  'drain-timeout': flag.string({
    value: 'D',
    description:
      `how long a stop waits for accepted records to leave (500ms, 30s, 2m; default ${DEFAULT_DRAIN_TIMEOUT}); ` +
      `then exit 1 BYTEOR_E_DRAIN_TIMEOUT`,
    schema: z
      .string()
      .refine((t) => parseDrainTimeout(t) !== undefined, 'must be a duration such as 500ms, 30s or 2m (at most 24 h)')
      .default(DEFAULT_DRAIN_TIMEOUT),
  }),
  'state-out': flag.string({
    value: 'FILE',
    description: 'write the final state document (snapshot sections included) to FILE, also with --sp',
  }),
  quiet: flag.boolean({
    description: 'no progress line on a terminal (--sp draws one on stderr when it is a terminal)',
  }),
});
type Flags = FlagValues<typeof Flags>;

/** The size of a regular input file (for percent), null for stdin, a pipe or another source. */
function inputSize(input: string | undefined): number | null {
  if (input === undefined || input === '-') return null;
  try {
    const st = statSync(input);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

async function run(ctx: VerbContext<Flags>): Promise<number> {
  const f = ctx.flags;
  const specPath = resolveSpecPath(f.spec, ctx.env);
  const loaded = await ctx.loadSpec(specPath);
  for (const w of loaded.warnings) ctx.io.err(`warning[${w.code}]: ${w.message}\n`);
  const spec = loaded.spec;
  const slotBytesKey =
    spec.model === 'single_ring'
      ? `single_ring.slot_bytes=${spec.single_ring.slot_bytes}`
      : `lane_graph.slot_bytes=${spec.lane_graph.slot_bytes}`;

  // the long-running form records its invocation in its run directory; a one-shot run has none
  const recorder = f.sp ? null : await import('./run-record.ts');
  let config: AdapterConfig = { ingress: null, egress: null };
  let lineIngress: LineIngress | null = null;
  let recordsToStdout = false;
  const { summary, egressCloseError } = await ctx.run({
    loaded,
    specPath,
    runDir: f.sp ? null : { flag: runDirFromFlags(f) },
    oneShot: f.sp,
    dryRun: f['dry-run'],
    flags: ctx.flags as Record<string, unknown>,
    env: ctx.env,
    // made once the run directory is ours (kernel/run/run-pipeline.ts claims it first)
    adapters: () => {
      if (f.config) config = readAdapterConfig(f.config);
      // a one-shot run is bounded: it does not wait out a destination outage (the egress outage policy)
      if (
        f.sp &&
        config.egress &&
        (config.egress.settings.retry === 'forever' || config.egress.settings.max_outage_ms !== undefined)
      ) {
        throw RunErrors.error(
          'BYTEOR_E_CONFIG_INVALID',
          `--config=${f.config}: egress.` +
            `${config.egress.settings.retry === 'forever' ? 'retry=forever' : 'max_outage_ms'} rides out outages, ` +
            `which a one-shot run (--sp) does not; drop the setting or run without --sp`,
          { config: f.config },
        );
      }
      const ingress: IngressAdapter = config.ingress
        ? ingressFromBinding(ctx.catalog, config.ingress, ctx.env)
        : (lineIngress = new LineIngress({ input: f.input }));
      const egress: EgressAdapter = config.egress
        ? egressFromBinding(ctx.catalog, config.egress, ctx.env)
        : new LineEgress({ output: f.output, buffered: f.sp }); // one-shot: no journal waits on the released records
      recordsToStdout = !config.egress && (f.output === undefined || f.output === '-');
      return { ingress, egress };
    },
    ...(f.wait ? { wait: f.wait } : {}),
    ...(f['adapter-max-messages'] !== undefined ? { maxRecords: f['adapter-max-messages'] } : {}),
    drainTimeout: { ms: parseDrainTimeout(f['drain-timeout'])!, label: f['drain-timeout'] },
    signals: true,
    err: ctx.io.err,
    ...(recorder
      ? {
          recorded: ({ runDir, info, startedUnixMs }) =>
            recorder.recordRun({
              runDir,
              info,
              plugins: ctx.catalog.plugins,
              env: ctx.env,
              startedUnixMs,
              config: f.config ? { path: f.config, bindings: config } : null,
              args: ctx.argv,
            }),
        }
      : {}),
    // a person waiting on a terminal sees the run move (progress.ts); nothing of it otherwise
    watch: (running) => {
      if (
        !wantsProgress(ctx.io, {
          sp: f.sp,
          json: ctx.json,
          quiet: f.quiet,
          recordsToStderrTerminal: recordsToStdout && Boolean(process.stdout.isTTY),
        })
      )
        return null;
      const progress = new ProgressLine(ctx.io, {
        records: () => running.records(),
        input: () => ({
          read: lineIngress ? lineIngress.bytesRead : 0,
          size: inputSize(config.ingress ? undefined : f.input),
        }),
      });
      progress.start();
      return progress;
    },
    ...(f['state-out'] ? { stateOut: f['state-out'] } : {}),
  });

  if (ctx.json) (recordsToStdout ? ctx.io.err : ctx.io.out)(stableJson(summary));
  else ctx.io.err(formatSummary(summary));
  if (summary.error) {
    throw KernelErrors.relay(summary.error.code, 'BYTEOR_E_RUN_FAILED', summary.error.message, {
      ...(summary.error.stage ? { stage: summary.error.stage } : {}),
      ...(summary.error.sequence !== undefined ? { sequence: summary.error.sequence } : {}),
    });
  }
  if (egressCloseError) throw egressCloseError;
  if (summary.refused > 0) {
    throw RunErrors.error(
      'BYTEOR_E_RECORDS_REFUSED',
      `${summary.refused} records were larger than ${slotBytesKey} and were refused (not truncated); raise ` +
        `slot_bytes or split them`,
      { refused: summary.refused },
    );
  }
  return ExitCode.OK;
}

export default definePlugin({
  name: 'run',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: RunErrors,
  setup(host) {
    host.registerVerb({
      name: 'run',
      summary: 'run a SingleRing or LaneGraph spec (--sp: one-shot bring-up; else long-running with a run directory)',
      usage: `The spec is --spec, else $${ENV_SPEC}, else ${DEFAULT_SPEC_PATH}. Records are newline-delimited lines from
--input (a file, or - for stdin) to stdout or --output, unless --config binds adapters:
  ingress.kind=<kind>  ingress.<setting>=<value>  egress.kind=<kind>  egress.<setting>=<value>
The summary (records in, out, dropped, refused, elapsed, rate) goes to stderr; with --json it is
JSON, on stdout unless the records go there. Without --sp the runtime keeps a run directory
(--run-dir, else /run/byteor when writable, else $TMPDIR/byteor-<uid>) with control.sock,
state.json and the ingress journal. The first SIGINT/SIGTERM (or {"op":"stop"}) stops reading at
once and drains what was accepted: exit 0 when it is all out within --drain-timeout, else exit 1
(BYTEOR_E_DRAIN_TIMEOUT, with the count not delivered and their journal positions); a second
signal aborts at once (BYTEOR_E_RUN_INTERRUPTED). See docs/runtime.md.
A LaneGraph spec binds the same input to every ingress endpoint and every egress endpoint to the
same output; its summary adds every lane, role and endpoint (docs/lanegraph.md).`,
      flags: Flags,
      run,
    });
  },
});
