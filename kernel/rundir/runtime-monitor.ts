/**
 * The run directory of a long-running SingleRing runtime (control socket and state file:
 * kernel/rundir/run-dir-monitor.ts), with the `single_ring_snapshot.json` document as the
 * snapshot. The sampler also decides which stages are stalled (no progress between two samples
 * with lag > 0).
 */
import type { RunObservation, SingleRingRun } from '../exec/single-ring-executor.ts';
import {
  SingleRingSnapshot,
  SINGLE_RING_SNAPSHOT_VERSION,
  type StalledStage,
} from '../artifacts/single-ring-snapshot.ts';
import { sortedCounters } from '../artifacts/sorted-counters.ts';
import { writeStateFile } from './state-file.ts';
import { RunDirMonitor, type DocumentSource, type RunDirMonitorOptions } from './run-dir-monitor.ts';

export type RuntimeMonitorOptions = RunDirMonitorOptions<SingleRingRun>;

export class RuntimeMonitor extends RunDirMonitor<RunObservation, SingleRingSnapshot, SingleRingRun> {
  private stalled: StalledStage[] = [];

  /** Update the stalled set. */
  protected track(obs: RunObservation): void {
    const stalled: StalledStage[] = [];
    for (const sh of obs.shards) {
      for (const st of sh.stages) {
        if (this.stalledAt(`${sh.shard}/${st.stage}`, st.sequence, st.lag))
          stalled.push({ shard: sh.shard, stage: st.stage, key: st.key, sequence: st.sequence, lag: st.lag });
      }
    }
    this.stalled = stalled;
  }

  protected writeState(doc: SingleRingSnapshot): void {
    writeStateFile(this.opts.paths.dir, doc);
  }

  protected document(
    obs: RunObservation,
    source: DocumentSource,
    sections: Record<string, unknown>,
  ): SingleRingSnapshot {
    return SingleRingSnapshot.parse({
      snapshot_v: SINGLE_RING_SNAPSHOT_VERSION,
      model: 'single_ring',
      ...this.header(source),
      runtime: { ...this.runtimeProcess(obs), wait: obs.wait },
      records: obs.records,
      shards: obs.shards.map((sh) => ({
        ...sh,
        stages: sh.stages.map((st) => ({ ...st, counters: sortedCounters(st.counters) })),
      })),
      stalled: this.stalled,
      error: this.runError(),
      sections,
    });
  }
}
