/**
 * What a long-running runtime keeps in its run directory while it runs: the control socket
 * (snapshot / stop / ping) and the state file, sampled about once a second and once more at
 * stop. The sampler also decides which stages are stalled (no progress between two samples
 * with lag > 0).
 */
import type { PluginHost, RunInfo } from '../plugin-api.ts';
import type { RunObservation, SingleRingRun } from '../exec/single-ring-executor.ts';
import { SingleRingSnapshot, SINGLE_RING_SNAPSHOT_VERSION, type StalledStage } from '../artifacts/single-ring-snapshot.ts';
import { ControlServer } from './control-server.ts';
import { STATE_INTERVAL_MS, writeStateFile } from './state-file.ts';
import type { RunDirPaths } from './run-dir.ts';

export interface RuntimeMonitorOptions {
  paths: RunDirPaths;
  run: SingleRingRun;
  kernel: PluginHost;
  info: RunInfo;
  /** the operator asked to stop over the socket */
  onStop(): void;
}

export class RuntimeMonitor {
  private readonly server: ControlServer;
  private timer: NodeJS.Timeout | null = null;
  private previous: Map<string, number> = new Map();
  private stalled: StalledStage[] = [];

  constructor(private readonly opts: RuntimeMonitorOptions) {
    this.server = new ControlServer(opts.paths.socket, {
      ping: () => ({ pid: process.pid, spec_hash: opts.info.specHash, state: opts.run.state }),
      snapshot: () => this.snapshot('live'),
      stop: () => { opts.onStop(); return opts.run.state; },
    });
  }

  async start(): Promise<void> {
    await this.server.listen();
    await this.sample();
    this.timer = setInterval(() => { void this.sample(); }, STATE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Take a sample: update the stalled set and rewrite the state file. */
  private async sample(): Promise<void> {
    const obs = this.opts.run.observe();
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
    writeStateFile(this.opts.paths.dir, await this.document(obs, 'state_file'));
  }

  async snapshot(source: 'live' | 'state_file'): Promise<SingleRingSnapshot> {
    return this.document(this.opts.run.observe(), source);
  }

  private async document(obs: RunObservation, source: 'live' | 'state_file'): Promise<SingleRingSnapshot> {
    const { info, run, kernel } = this.opts;
    const sections: Record<string, unknown> = {};
    const list = [...kernel.snapshotSections()].sort((a, b) => a.section.name.localeCompare(b.section.name));
    for (const { section, plugin } of list) {
      try {
        sections[section.name] = await section.collect(info);
      } catch (e) {
        sections[section.name] = { error: `plugin "${plugin}" failed to collect this section: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
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
      shards: obs.shards.map((sh) => ({ ...sh, stages: sh.stages.map((st) => ({ ...st, counters: sortedKeys(st.counters) })) })),
      stalled: this.stalled,
      error: summary?.error ?? null,
      sections,
    });
  }

  /** Final state file, then close the socket. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sample();
    await this.server.close();
  }
}

function sortedKeys(o: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}
