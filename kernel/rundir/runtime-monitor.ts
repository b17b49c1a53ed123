/**
 * The run directory of a long-running SingleRing runtime (control socket and state file:
 * kernel/rundir/run-dir-monitor.ts), with the `single_ring_snapshot.json` document as the
 * snapshot. The sampler also decides which stages are stalled (no progress between two samples
 * with lag > 0).
 */
import type { RunObservation, SingleRingRun } from '../exec/single-ring-executor.ts';
import { SingleRingSnapshot, SINGLE_RING_SNAPSHOT_VERSION, type StalledStage } from '../artifacts/single-ring-snapshot.ts';
import { sortedCounters } from '../artifacts/sorted-counters.ts';
import { writeStateFile } from './state-file.ts';
import { RunDirMonitor, type DocumentSource, type RunDirMonitorOptions } from './run-dir-monitor.ts';

export type RuntimeMonitorOptions = RunDirMonitorOptions<SingleRingRun>;

export class RuntimeMonitor extends RunDirMonitor<RunObservation, SingleRingSnapshot, SingleRingRun> {
  private previous: Map<string, number> = new Map();
  private stalled: StalledStage[] = [];

  /** Update the stalled set. */
  protected track(obs: RunObservation): void {
    const next = new Map<string, number>();
    const stalled: StalledStage[] = [];
    for (const sh of obs.shards) {
      for (const st of sh.stages) {
        const id = `${sh.shard}/${st.stage}`;
        next.set(id, st.sequence);
        if (st.lag > 0 && this.previous.get(id) === st.sequence) stalled.push({ shard: sh.shard, stage: st.stage, key: st.key, sequence: st.sequence, lag: st.lag });
      }
    }
    this.previous = next;
    this.stalled = stalled;
  }

  protected writeState(doc: SingleRingSnapshot): void {
    writeStateFile(this.opts.paths.dir, doc);
  }

  protected document(obs: RunObservation, source: DocumentSource, sections: Record<string, unknown>): SingleRingSnapshot {
    const { info, run } = this.opts;
    const summary = run.failure ? run.summary() : null;
    return SingleRingSnapshot.parse({
      snapshot_v: SINGLE_RING_SNAPSHOT_VERSION,
      model: 'single_ring',
      spec_hash: info.specHash,
      spec_name: info.spec.name,
      spec_path: info.specPath,
      captured_unix_ms: Date.now(),
      source,
      runtime: { pid: process.pid, run_dir: info.runDir, started_unix_ms: run.startedUnixMs, state: obs.state, one_shot: info.oneShot, wait: obs.wait },
      records: obs.records,
      shards: obs.shards.map((sh) => ({ ...sh, stages: sh.stages.map((st) => ({ ...st, counters: sortedCounters(st.counters) })) })),
      stalled: this.stalled,
      error: summary?.error ?? null,
      sections,
    });
  }
}
