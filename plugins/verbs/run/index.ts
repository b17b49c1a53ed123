import { statSync } from 'node:fs';
import { z } from 'zod';
import { stableJson } from '../../../kernel/artifacts/json.ts';
import { WAIT_KINDS, type WaitKind } from '../../../kernel/core/ring.ts';
import { ByteorError } from '../../../kernel/errors.ts';
import { SingleRingRun } from '../../../kernel/exec/single-ring-executor.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import type { RunInfo, RunSummary } from '../../../kernel/hooks.ts';
import { LineEgress } from '../../../kernel/io/line-egress.ts';
import { LineIngress } from '../../../kernel/io/line-ingress.ts';
import { JournalWriter } from '../../../kernel/journal/journal-writer.ts';
import { LaneGraphRun } from '../../../kernel/lanegraph/executor.ts';
import { LaneGraphMonitor } from '../../../kernel/lanegraph/monitor.ts';
import { definePlugin, PLUGIN_API_VERSION, type FlagValues, type EgressAdapter, type IngressAdapter, type IngressSink, type VerbContext } from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { claimRunDir, type RunDirPaths } from '../../../kernel/rundir/run-dir.ts';
import { RuntimeMonitor } from '../../../kernel/rundir/runtime-monitor.ts';
import { loadSpecFile, resolveSpecPath, ENV_SPEC, DEFAULT_SPEC_PATH, type LoadedSpec } from '../../../kernel/spec/load.ts';
import { runDirFromFlags } from '../../../kernel/rundir/runtime-path.ts';
import { readAdapterConfig, ingressFromBinding, egressFromBinding } from './adapter-config.ts';
import { writeStateOut } from './state-out.ts';
import { formatSummary } from './summary.ts';
import { ProgressLine, wantsProgress } from './progress.ts';
import { DEFAULT_DRAIN_TIMEOUT, parseDrainTimeout } from './drain-timeout.ts';
import { recordRun } from './run-record.ts';
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
 * Lifecycle: load + validate the spec → claim the run directory (its lock: a busy one is refused
 * before anything is opened or started) → hooks.runStarting (a tap may refuse: nothing starts) →
 * egress start → stage workers → (long-running: control socket, then invocation.json and the
 * runtime's environment.json in the run directory: run-record.ts) → hooks.runStarted → ingress →
 * drain → hooks.runStopped(summary) → the final state file (state.json; --state-out=FILE, also
 * with --sp).
 * Exit 0 when every record was delivered or dropped by a stage; 1 when a stage or adapter
 * failed, the drain timed out, or records were refused (larger than slot_bytes: counted, never
 * truncated).
 */

const MAX_REFUSAL_LINES = 10;

const Flags = flags({
  spec: flag.string({ value: 'PATH', description: 'the spec.kv file' }),
  sp: flag.boolean({ description: 'one-shot bring-up: run the input through, then stop' }),
  input: flag.string({ value: 'FILE|-', description: 'newline-delimited records (default: stdin)', schema: z.string().min(1).default('-') }),
  output: flag.string({ value: 'FILE', description: 'write records here instead of stdout' }),
  'run-dir': flag.string({ value: 'DIR', description: 'run directory of the long-running form' }),
  'lane-path': flag.string({ value: 'PATH', description: 'ByteOr\'s name for where the runtime\'s lanes live: its run directory (or its control.sock / state.json)' }),
  config: flag.string({ value: 'PATH', description: 'adapter bindings (ingress.kind=..., egress.kind=...)' }),
  'adapter-max-messages': flag.string({
    value: 'N', description: 'stop the source after N records, then drain',
    schema: z.string().regex(/^[1-9][0-9]{0,14}$/, 'must be a whole number >= 1').transform(Number).optional(),
  }),
  'dry-run': flag.boolean({ description: 'side effects are recorded, not performed' }),
  wait: flag.string({ value: 'spin|backoff|block', description: 'override single_ring.wait / lane_graph.wait', schema: z.enum(Object.keys(WAIT_KINDS) as [WaitKind, ...WaitKind[]]).optional() }),
  'drain-timeout': flag.string({
    value: 'D', description: `how long a stop waits for accepted records to leave (500ms, 30s, 2m; default ${DEFAULT_DRAIN_TIMEOUT}); then exit 1 BYTEOR_E_DRAIN_TIMEOUT`,
    schema: z.string().refine((t) => parseDrainTimeout(t) !== undefined, 'must be a duration such as 500ms, 30s or 2m (at most 24 h)').default(DEFAULT_DRAIN_TIMEOUT),
  }),
  'state-out': flag.string({ value: 'FILE', description: 'write the final state document (snapshot sections included) to FILE, also with --sp' }),
  quiet: flag.boolean({ description: 'no progress line on a terminal (--sp draws one on stderr when it is a terminal)' }),
});
type Flags = FlagValues<typeof Flags>;

/** The size of a regular input file (for percent), null for stdin, a pipe or another source. */
function inputSize(input: string | undefined): number | null {
  if (input === undefined || input === '-') return null;
  try { const st = statSync(input); return st.isFile() ? st.size : null; } catch { return null; }
}

/** Wraps the executor's sink: stops the source after --adapter-max-messages records. */
function boundedSink(inner: IngressSink, max: number | undefined, onLimit: () => void): IngressSink {
  if (max === undefined) return inner;
  let n = 0;
  return {
    push(record, token) {
      if (n >= max) return; // after the limit: not consumed (a source with acks keeps it)
      n++;
      const p = inner.push(record, token);
      if (n === max) { onLimit(); if (p) return p.then(() => inner.end()); inner.end(); }
      return p;
    },
    end: () => inner.end(),
    fail: (e) => (inner.fail ? inner.fail(e) : inner.end()),
  };
}

async function run(ctx: VerbContext<Flags>): Promise<number> {
  const f = ctx.flags;
  const specPath = resolveSpecPath(f.spec, ctx.env);
  const loaded = await loadSpecFile(specPath, ctx.kernel);
  for (const w of loaded.warnings) ctx.io.err(`warning[${w.code}]: ${w.message}\n`);
  // the run directory is ours before anything is opened, truncated, started or written
  const claimed = f.sp ? null : claimRunDir(runDirFromFlags(f));
  try {
    return await runClaimed(ctx, specPath, loaded, claimed?.paths ?? null);
  } finally {
    claimed?.lock.release();
  }
}

async function runClaimed(ctx: VerbContext<Flags>, specPath: string, loaded: LoadedSpec, paths: RunDirPaths | null): Promise<number> {
  const f = ctx.flags;
  const spec = loaded.spec;
  const slotBytesKey = spec.model === 'single_ring' ? `single_ring.slot_bytes=${spec.single_ring.slot_bytes}` : `lane_graph.slot_bytes=${spec.lane_graph.slot_bytes}`;

  const config = f.config ? readAdapterConfig(f.config) : { ingress: null, egress: null };
  // a one-shot run is bounded: it does not wait out a destination outage (the egress outage policy)
  if (f.sp && config.egress && (config.egress.settings.retry === 'forever' || config.egress.settings.max_outage_ms !== undefined)) {
    throw RunErrors.error('BYTEOR_E_CONFIG_INVALID', `--config=${f.config}: egress.${config.egress.settings.retry === 'forever' ? 'retry=forever' : 'max_outage_ms'} rides out outages, which a one-shot run (--sp) does not; drop the setting or run without --sp`, { config: f.config });
  }
  const ingress: IngressAdapter = config.ingress ? ingressFromBinding(ctx.kernel, config.ingress, ctx.env) : new LineIngress({ input: f.input });
  const egress: EgressAdapter = config.egress ? egressFromBinding(ctx.kernel, config.egress, ctx.env) : new LineEgress({ output: f.output });
  const egressIsStdout = !config.egress && (f.output === undefined || f.output === '-');

  const info: RunInfo = {
    spec, specHash: loaded.hash, specPath, runDir: paths?.dir ?? null, oneShot: f.sp, dryRun: f['dry-run'],
    flags: ctx.flags as Record<string, unknown>, env: ctx.env,
  };
  await ctx.kernel.hooks.runStarting.promise(info);

  // signals: the first drains (bounded by --drain-timeout), the second stops at once; one that
  // arrives during start-up is honoured as soon as the pipeline exists
  const drainMs = parseDrainTimeout(f['drain-timeout'])!;
  let executor: SingleRingRun | LaneGraphRun | null = null;
  let stopping = false;
  let signals = 0;
  const drain = () => {
    if (stopping) return;
    stopping = true;
    if (executor) {
      const ex = executor;
      ex.drain(drainMs, f['drain-timeout']);
      void ingress.close().then(() => ex.stop());
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) { ctx.io.err(`${sig}: draining in-flight records (send it again to stop at once)\n`); drain(); }
    else executor?.abort(RunErrors.error('BYTEOR_E_RUN_INTERRUPTED', `stopped by a second ${sig} before the pipeline drained`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const unhook = () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); };

  let refusals = 0;
  // a failed journal write (disk full, I/O error) stops the run with BYTEOR_E_JOURNAL_WRITE_FAILED
  const journal = paths ? new JournalWriter(paths.journal, { specHash: loaded.hash, onFailure: (e) => executor?.abort(e) }) : null;
  let started: SingleRingRun | LaneGraphRun;
  try {
    await egress.start();
    const common = {
      kernel: ctx.kernel, run: info, egress, ingress, journal,
      ...(f.wait ? { wait: f.wait } : {}),
      onRefused: (index: number, bytes: number, slotBytes: number) => {
        if (++refusals <= MAX_REFUSAL_LINES) {
          ctx.io.err(`error[BYTEOR_E_RECORD_TOO_LARGE]: record ${index} is ${bytes} bytes, more than ${spec.model}.slot_bytes=${slotBytes}; refused (never truncated)\n`);
        } else if (refusals === MAX_REFUSAL_LINES + 1) {
          ctx.io.err('error[BYTEOR_E_RECORD_TOO_LARGE]: more records refused; the summary counts them all\n');
        }
      },
      onFailure: () => { void ingress.close(); },
    };
    started = spec.model === 'single_ring'
      ? await SingleRingRun.start({ ...common, spec })
      : await LaneGraphRun.start({ ...common, spec, onWarning: (code, message) => ctx.io.err(`warning[${code}]: ${message}\n`) });
  } catch (e) {
    unhook();
    await egress.close().catch(() => {});
    journal?.close();
    throw e;
  }
  executor = started;
  const onStateError = (e: unknown) => {
    const code = e instanceof ByteorError ? e.code : 'BYTEOR_E_ARTIFACT_WRITE';
    ctx.io.err(`warning[${code}]: the state file was not rewritten: ${e instanceof Error ? e.message : String(e)}\n`);
  };
  const monitor = !paths ? null : executor instanceof LaneGraphRun
    ? new LaneGraphMonitor({ paths, run: executor, kernel: ctx.kernel, info, onStop: drain, onStateError })
    : new RuntimeMonitor({ paths, run: executor, kernel: ctx.kernel, info, onStop: drain, onStateError });

  // a person waiting on a terminal sees the run move (progress.ts); nothing of it otherwise
  const progress = wantsProgress(ctx.io, {
    sp: f.sp, json: ctx.json, quiet: f.quiet,
    recordsToStderrTerminal: egressIsStdout && Boolean(process.stdout.isTTY),
  }) ? new ProgressLine(ctx.io, {
    records: () => executor!.observe().records,
    input: () => ({ read: ingress instanceof LineIngress ? ingress.bytesRead : 0, size: inputSize(config.ingress ? undefined : f.input) }),
  }) : null;

  let summary: RunSummary;
  try {
    progress?.start();
    if (monitor) {
      await monitor.start();
      recordRun({
        runDir: paths!.dir, info, kernel: ctx.kernel, env: ctx.env, startedUnixMs: executor.startedUnixMs,
        config: f.config ? { path: f.config, bindings: config } : null, args: ctx.argv,
      });
      ctx.io.err(`running ${spec.name} (${loaded.hash}); run directory ${paths!.dir}\n`);
    }
    await ctx.kernel.hooks.runStarted.promise(info);
    if (stopping) { stopping = false; drain(); } // a signal came while starting: nothing to read
    else await ingress.start(boundedSink(executor.sink, f['adapter-max-messages'], () => { void ingress.close(); }));
    summary = await executor.done;
  } catch (e) {
    executor.abort(e instanceof ByteorError ? e : RunErrors.error('BYTEOR_E_RUN_FAILED', e instanceof Error ? e.message : String(e)));
    summary = await executor.done;
    if (!(e instanceof ByteorError)) throw e;
    if (!summary.error) summary.error = { code: e.code, message: e.message };
  } finally {
    unhook();
    progress?.stop();
  }
  await ingress.close().catch(() => {});
  // a failed run: count what the source handed over until it stopped (records pushed into the
  // halted pipeline after the failure are undelivered too)
  if (summary.error) { const fresh = executor.summary(); summary = { ...fresh, error: fresh.error ?? summary.error }; }
  let closeError: unknown = null;
  try { await egress.close(); } catch (e) { closeError = e; }
  journal?.close();
  // runStopped first: what its taps record reaches the final state file
  try {
    await ctx.kernel.hooks.runStopped.promise(info, summary);
  } finally {
    if (monitor) await monitor.stop();
  }
  if (f['state-out']) await writeStateOut(f['state-out'], executor, ctx.kernel, info, monitor);

  if (ctx.json) (egressIsStdout ? ctx.io.err : ctx.io.out)(stableJson(summary));
  else ctx.io.err(formatSummary(summary));
  if (summary.error) {
    throw RunErrors.relay(summary.error.code, 'BYTEOR_E_RUN_FAILED', summary.error.message, {
      ...(summary.error.stage ? { stage: summary.error.stage } : {}), ...(summary.error.sequence !== undefined ? { sequence: summary.error.sequence } : {}),
    });
  }
  if (closeError) throw closeError;
  if (summary.refused > 0) {
    throw RunErrors.error('BYTEOR_E_RECORDS_REFUSED', `${summary.refused} records were larger than ${slotBytesKey} and were refused (not truncated); raise slot_bytes or split them`, { refused: summary.refused });
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
