/**
 * The run directory of a long-running LaneGraph runtime: the same control socket and state file
 * as a SingleRing runtime (kernel/rundir/run-dir-monitor.ts), with
 * the `lane_graph_state.json` document as the snapshot. Sampled about once a second and once
 * more at stop; the sampler marks a lane reader `stalled` when its position did not move between
 * two samples while it lagged.
 */
import { join } from 'node:path';
import { writeStateDocument } from '../rundir/state-file.ts';
import { LaneGraphState, LANE_GRAPH_STATE_VERSION, type StalledReader } from '../artifacts/lane-graph-state.ts';
import { RunDirMonitor, type DocumentSource, type RunDirMonitorOptions } from '../rundir/run-dir-monitor.ts';
import { STATE_FILE } from '../rundir/run-dir.ts';
import type { LaneGraphObservation, LaneGraphRun } from './executor.ts';

export type LaneGraphMonitorOptions = RunDirMonitorOptions<LaneGraphRun>;

export class LaneGraphMonitor extends RunDirMonitor<LaneGraphObservation, LaneGraphState, LaneGraphRun> {
  private stalled: StalledReader[] = [];

  /** Update the stalled set. */
  protected track(obs: LaneGraphObservation): void {
    const stalled: StalledReader[] = [];
    for (const l of obs.lanes) {
      for (const r of l.readers) {
        if (this.stalledAt(`${l.name}/${r.reader}`, r.sequence, r.lag))
          stalled.push({ lane: l.name, reader: r.reader, name: r.name, sequence: r.sequence, lag: r.lag });
      }
    }
    this.stalled = stalled;
  }

  protected writeState(doc: LaneGraphState): void {
    writeStateDocument(join(this.opts.paths.dir, STATE_FILE), LaneGraphState, doc);
  }

  protected document(
    obs: LaneGraphObservation,
    source: DocumentSource,
    sections: Record<string, unknown>,
  ): LaneGraphState {
    return LaneGraphState.parse({
      state_v: LANE_GRAPH_STATE_VERSION,
      model: 'lane_graph',
      ...this.header(source),
      runtime: { ...this.runtimeProcess(obs), wait: obs.wait },
      on_full: obs.on_full,
      records: obs.records,
      lanes: obs.lanes,
      roles: obs.roles,
      endpoints: obs.endpoints,
      stalled: this.stalled,
      error: this.runError(),
      sections,
    });
  }
}
