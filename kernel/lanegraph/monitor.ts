/**
 * The run directory of a long-running LaneGraph runtime: the same control socket and state file
 * as a SingleRing runtime (kernel/rundir/run-dir-monitor.ts), with
 * the `lane_graph_state.json` document as the snapshot. Sampled about once a second and once
 * more at stop; the sampler marks a lane reader `stalled` when its position did not move between
 * two samples while it lagged.
 */
import { join } from 'node:path';
import { writeJsonArtifact } from '../artifacts/json.ts';
import { LaneGraphState, LANE_GRAPH_STATE_VERSION, type StalledReader } from '../artifacts/lane-graph-state.ts';
import { RunDirMonitor, type DocumentSource, type RunDirMonitorOptions } from '../rundir/run-dir-monitor.ts';
import { STATE_FILE } from '../rundir/run-dir.ts';
import type { LaneGraphObservation, LaneGraphRun } from './executor.ts';

export type LaneGraphMonitorOptions = RunDirMonitorOptions<LaneGraphRun>;

export class LaneGraphMonitor extends RunDirMonitor<LaneGraphObservation, LaneGraphState, LaneGraphRun> {
  private previous = new Map<string, number>();
  private stalled: StalledReader[] = [];

  /** Update the stalled set. */
  protected track(obs: LaneGraphObservation): void {
    const next = new Map<string, number>();
    const stalled: StalledReader[] = [];
    for (const l of obs.lanes) {
      for (const r of l.readers) {
        const id = `${l.name}/${r.reader}`;
        next.set(id, r.sequence);
        if (r.lag > 0 && this.previous.get(id) === r.sequence) stalled.push({ lane: l.name, reader: r.reader, name: r.name, sequence: r.sequence, lag: r.lag });
      }
    }
    this.previous = next;
    this.stalled = stalled;
  }

  protected writeState(doc: LaneGraphState): void {
    writeJsonArtifact(join(this.opts.paths.dir, STATE_FILE), LaneGraphState, doc);
  }

  protected document(obs: LaneGraphObservation, source: DocumentSource, sections: Record<string, unknown>): LaneGraphState {
    const { info, run } = this.opts;
    const summary = run.failure ? run.summary() : null;
    return LaneGraphState.parse({
      state_v: LANE_GRAPH_STATE_VERSION,
      model: 'lane_graph',
      spec_hash: info.specHash,
      spec_name: info.spec.name,
      spec_path: info.specPath,
      captured_unix_ms: Date.now(),
      source,
      runtime: { pid: process.pid, run_dir: info.runDir, started_unix_ms: run.startedUnixMs, state: obs.state, one_shot: info.oneShot, wait: obs.wait },
      on_full: obs.on_full,
      records: obs.records,
      lanes: obs.lanes,
      roles: obs.roles,
      endpoints: obs.endpoints,
      stalled: this.stalled,
      error: summary?.error ?? null,
      sections,
    });
  }
}
