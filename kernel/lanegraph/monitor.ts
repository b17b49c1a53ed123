/**
 * The run directory of a long-running LaneGraph runtime: the same control socket and state file
 * as a SingleRing runtime (kernel/rundir/: ControlServer, STATE_FILE, STATE_INTERVAL_MS), with
 * the `lane_graph_state.json` document as the snapshot. Sampled about once a second and once
 * more at stop; the sampler marks a lane reader `stalled` when its position did not move between
 * two samples while it lagged.
 */
import { join } from 'node:path';
import type { PluginHost, RunInfo } from '../plugin-api.ts';
import { writeJsonArtifact } from '../artifacts/json.ts';
import { LaneGraphState, LANE_GRAPH_STATE_VERSION, type StalledReader } from '../artifacts/lane-graph-state.ts';
import { ControlServer } from '../rundir/control-server.ts';
import { STATE_INTERVAL_MS } from '../rundir/state-file.ts';
import { STATE_FILE, type RunDirPaths } from '../rundir/run-dir.ts';
import type { LaneGraphObservation, LaneGraphRun } from './executor.ts';

export interface LaneGraphMonitorOptions {
  paths: RunDirPaths;
  run: LaneGraphRun;
  kernel: PluginHost;
  info: RunInfo;
  /** the operator asked to stop over the socket */
  onStop(): void;
}

export class LaneGraphMonitor {
  private readonly server: ControlServer;
  private timer: NodeJS.Timeout | null = null;
  private previous = new Map<string, number>();
  private stalled: StalledReader[] = [];

  constructor(private readonly opts: LaneGraphMonitorOptions) {
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
    writeJsonArtifact(join(this.opts.paths.dir, STATE_FILE), LaneGraphState, await this.document(obs, 'state_file'));
  }

  async snapshot(source: 'live' | 'state_file'): Promise<LaneGraphState> {
    return this.document(this.opts.run.observe(), source);
  }

  private async document(obs: LaneGraphObservation, source: 'live' | 'state_file'): Promise<LaneGraphState> {
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

  /** Final state file, then close the socket. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sample();
    await this.server.close();
  }
}
