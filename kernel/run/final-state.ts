/**
 * The run's final state document (the one a long-running run leaves in its run directory's
 * state.json, plugins' snapshot sections included), written to a file of the caller's choosing
 * (`run --state-out=FILE`) after the runStopped hook — also for a one-shot run, which has no run
 * directory.
 */
import { dirname, resolve } from 'node:path';
import { LaneGraphState } from '../artifacts/lane-graph-state.ts';
import { SingleRingSnapshot } from '../artifacts/single-ring-snapshot.ts';
import type { SingleRingRun } from '../exec/single-ring-executor.ts';
import type { RunInfo } from '../hooks.ts';
import { LaneGraphRun } from '../lanegraph/executor.ts';
import { LaneGraphMonitor } from '../lanegraph/monitor.ts';
import type { KernelHost } from '../plugin-contract.ts';
import { runDirPaths } from '../rundir/run-dir.ts';
import { RuntimeMonitor } from '../rundir/runtime-monitor.ts';
import { writeStateDocument } from '../rundir/state-file.ts';

/**
 * Write the final state document of `run` to `file`. `monitor` is the run directory's monitor
 * when there is one; otherwise one is made to build the document only (never started: no
 * socket, no state.json).
 */
export async function writeFinalState(
  file: string,
  run: SingleRingRun | LaneGraphRun,
  kernel: KernelHost,
  info: RunInfo,
  monitor: RuntimeMonitor | LaneGraphMonitor | null,
): Promise<void> {
  const path = resolve(file);
  const opts = { paths: runDirPaths(dirname(path)), kernel, info, onStop: () => {} };
  if (run instanceof LaneGraphRun) {
    const m = monitor instanceof LaneGraphMonitor ? monitor : new LaneGraphMonitor({ ...opts, run });
    writeStateDocument(path, LaneGraphState, await m.snapshot('state_file'));
  } else {
    const m = monitor instanceof RuntimeMonitor ? monitor : new RuntimeMonitor({ ...opts, run });
    writeStateDocument(path, SingleRingSnapshot, await m.snapshot('state_file'));
  }
}
