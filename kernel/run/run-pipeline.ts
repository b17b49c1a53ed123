/**
 * The kernel owns a run: `runPipeline` is the one lifecycle every run goes through (`byteor run`,
 * `byteor replay`, the bench's product-path contender), both models (SingleRing:
 * kernel/exec/single-ring-executor.ts, LaneGraph: kernel/lanegraph/executor.ts). Only it fires
 * the run hooks; callers pass what differs (adapters, run directory, drain deadline, signals).
 *
 * Order: claim the run directory (its lock: a busy one is refused before anything is opened or
 * started) → the adapters are made (`adapters()`) → hooks.runStarting (a tap that throws
 * refuses the run: nothing starts) → egress start → the executor's workers → (with a run
 * directory: control socket, state file, then `recorded` writes invocation.json and
 * environment.json) → hooks.runStarted → ingress start → drain → ingress and egress closed →
 * hooks.runStopped(summary) → the monitor's final state file → `stateOut`.
 *
 * Stop means drain, bounded: the first SIGINT/SIGTERM (with `signals`) or {"op":"stop"} on the
 * control socket closes the source at once, the run says `draining`, and what was accepted goes
 * through every stage and egress; past `drainTimeout` the run aborts with BYTEOR_E_DRAIN_TIMEOUT.
 * A second signal aborts at once (BYTEOR_E_RUN_INTERRUPTED). Every path closes what was opened:
 * signal handlers, ingress, egress, journal, monitor, the run directory's lock.
 *
 * What only some runs use is imported by the runs that use it (a one-shot SingleRing run starts
 * without any of it): the journal writer (msgpackr) and the monitors with a run directory, the
 * LaneGraph executor with a LaneGraph spec, the final state file with `stateOut`.
 */
import { ByteorError } from '../errors.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';
import { SingleRingRun } from '../exec/single-ring-executor.ts';
import { discardSpareStageWorker } from '../exec/stage-worker-start.ts';
import type { RunInfo, RunSummary } from '../hooks.ts';
import type { LaneGraphRun } from '../lanegraph/executor.ts';
import type { LaneGraphMonitor } from '../lanegraph/monitor.ts';
import type { KernelHost, RunOutcome, RunRequest } from '../plugin-contract.ts';
import { claimRunDir, type RunDirPaths } from '../rundir/run-dir.ts';
import type { RuntimeMonitor } from '../rundir/runtime-monitor.ts';
import { boundedSink } from './bounded-sink.ts';
import { collectStartupGarbage } from '../exec/startup-garbage.ts';

const MAX_REFUSAL_LINES = 10;

/** Run a loaded spec through its model from start to drain, firing the run hooks in order. */
export async function runPipeline(kernel: KernelHost, opts: RunRequest): Promise<RunOutcome> {
  // the run directory is ours before anything is opened, truncated, started or written
  const claimed = opts.runDir ? claimRunDir(opts.runDir.flag) : null;
  try {
    return await runClaimed(kernel, opts, claimed?.paths ?? null);
  } finally {
    claimed?.lock.release();
  }
}

async function runClaimed(kernel: KernelHost, opts: RunRequest, paths: RunDirPaths | null): Promise<RunOutcome> {
  const { loaded } = opts;
  const spec = loaded.spec;
  const err = opts.err ?? (() => {});
  const { ingress, egress } = opts.adapters();
  const info: RunInfo = {
    spec,
    specHash: loaded.hash,
    specPath: opts.specPath,
    runDir: paths?.dir ?? null,
    oneShot: opts.oneShot,
    dryRun: opts.dryRun,
    flags: opts.flags,
    env: opts.env,
  };
  await kernel.hooks.runStarting.promise(info);

  // signals: the first drains (bounded by the drain timeout), the second stops at once; one that
  // arrives during start-up is honoured as soon as the pipeline exists
  let executor: SingleRingRun | LaneGraphRun | null = null;
  let stopping = false;
  let signals = 0;
  const drain = () => {
    if (stopping) return;
    stopping = true;
    if (executor) {
      const ex = executor;
      if (opts.drainTimeout) ex.drain(opts.drainTimeout.ms, opts.drainTimeout.label);
      void ingress.close().then(() => ex.stop());
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      err(`${sig}: draining in-flight records (send it again to stop at once)\n`);
      drain();
    } else
      executor?.abort(
        KernelErrors.error('BYTEOR_E_RUN_INTERRUPTED', `stopped by a second ${sig} before the pipeline drained`),
      );
  };
  if (opts.signals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const unhook = () => {
    if (opts.signals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };

  let refusals = 0;
  // a failed journal write (disk full, I/O error) stops the run with BYTEOR_E_JOURNAL_WRITE_FAILED
  const journal = paths
    ? new (await import('../journal/journal-writer.ts')).JournalWriter(paths.journal, {
        specHash: loaded.hash,
        onFailure: (e) => executor?.abort(e),
      })
    : null;
  let started: SingleRingRun | LaneGraphRun;
  try {
    await egress.start();
    const common = {
      kernel,
      run: info,
      egress,
      ingress,
      journal,
      ...(opts.wait ? { wait: opts.wait } : {}),
      ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
      onRefused: (index: number, bytes: number, slotBytes: number) => {
        if (++refusals <= MAX_REFUSAL_LINES) {
          err(
            `error[BYTEOR_E_RECORD_TOO_LARGE]: record ${index} is ${bytes} bytes, more than ${spec.model}` +
              `.slot_bytes=${slotBytes}; refused (never truncated)\n`,
          );
        } else if (refusals === MAX_REFUSAL_LINES + 1) {
          err('error[BYTEOR_E_RECORD_TOO_LARGE]: more records refused; the summary counts them all\n');
        }
      },
      onFailure: () => {
        void ingress.close();
      },
    };
    // a LaneGraph run has role workers, not stage workers: a spare one started ahead goes now
    if (spec.model !== 'single_ring') await discardSpareStageWorker();
    started =
      spec.model === 'single_ring'
        ? await SingleRingRun.start({ ...common, spec })
        : await (await import('../lanegraph/executor.ts')).LaneGraphRun.start({
            ...common,
            spec,
            onWarning: (code, message) => err(`warning[${code}]: ${message}\n`),
          });
  } catch (e) {
    unhook();
    await egress.close().catch(() => {});
    journal?.close();
    throw e;
  }
  executor = started;
  const onStateError = (e: unknown) => {
    const code = e instanceof ByteorError ? e.code : 'BYTEOR_E_ARTIFACT_WRITE';
    err(`warning[${code}]: the state file was not rewritten: ${e instanceof Error ? e.message : String(e)}\n`);
  };
  const ex = executor;
  let monitor: RuntimeMonitor | LaneGraphMonitor | null = null;
  let watcher: { stop(): void } | null = null;
  let summary: RunSummary;
  let escaped: unknown = null;
  try {
    if (paths) {
      const o = { paths, kernel, info, onStop: drain, onStateError };
      monitor =
        ex instanceof SingleRingRun
          ? new (await import('../rundir/runtime-monitor.ts')).RuntimeMonitor({ ...o, run: ex })
          : new (await import('../lanegraph/monitor.ts')).LaneGraphMonitor({ ...o, run: ex });
    }
    watcher =
      opts.watch?.({
        records: () => {
          const r = ex.observe().records;
          return { in: r.in, out: r.out };
        },
      }) ?? null;
    if (monitor) {
      await monitor.start();
      opts.recorded?.({ runDir: paths!.dir, info, startedUnixMs: ex.startedUnixMs });
      err(`running ${spec.name} (${loaded.hash}); run directory ${paths!.dir}\n`);
    }
    await kernel.hooks.runStarted.promise(info);
    if (stopping) {
      stopping = false;
      drain();
    } // a signal came while starting: nothing to read
    else {
      // set-up's garbage leaves the young generation now, not in the first seconds of the run
      collectStartupGarbage('young');
      await ingress.start(
        boundedSink(ex.sink, opts.maxRecords, () => {
          void ingress.close();
        }),
      );
    }
    summary = await ex.done;
  } catch (e) {
    ex.abort(
      e instanceof ByteorError
        ? e
        : KernelErrors.error('BYTEOR_E_RUN_FAILED', e instanceof Error ? e.message : String(e)),
    );
    summary = await ex.done;
    if (e instanceof ByteorError) {
      if (!summary.error) summary.error = { code: e.code, message: e.message };
    } else escaped = e;
  } finally {
    unhook();
    watcher?.stop();
  }
  await ingress.close().catch(() => {});
  // a failed run: count what the source handed over until it stopped (records pushed into the
  // halted pipeline after the failure are undelivered too)
  if (summary.error) {
    const fresh = ex.summary();
    summary = { ...fresh, error: fresh.error ?? summary.error };
  }
  let egressCloseError: unknown = null;
  try {
    await egress.close();
  } catch (e) {
    egressCloseError = e;
  }
  journal?.close();
  if (escaped !== null) {
    // not a ByteorError: a bug; closed, not reported to the hooks
    await monitor?.stop();
    throw escaped;
  }
  // runStopped first: what its taps record reaches the final state file
  try {
    await kernel.hooks.runStopped.promise(info, summary);
  } finally {
    if (monitor) await monitor.stop();
  }
  if (opts.stateOut) await (await import('./final-state.ts')).writeFinalState(opts.stateOut, ex, kernel, info, monitor);
  return { summary, egressCloseError };
}
