/**
 * What every long-running runtime keeps in its run directory while it runs, whatever its model:
 * the control socket (snapshot / stop / ping) and the state file, sampled about once a second
 * and once more at stop, each document closed by the plugins' snapshot sections. A model's
 * monitor (kernel/rundir/runtime-monitor.ts for SingleRing, kernel/lanegraph/monitor.ts for
 * LaneGraph) says what a sample tracks (which stages or readers are stalled), how its document
 * is built and how the state file is written.
 */
import type { RunInfo, RunSummary } from '../hooks.ts';
import type { PluginHost } from '../plugin-contract.ts';
import { ControlServer } from './control-server.ts';
import { STATE_INTERVAL_MS } from './state-file.ts';
import { processStartTicks } from './process-identity.ts';
import type { RunDirPaths } from './run-dir.ts';

/** The run a monitor watches: its state, a view of it in shared memory, its summary once failed. */
export interface MonitoredRun<Obs> {
  readonly state: string;
  readonly startedUnixMs: number;
  readonly failure: unknown;
  observe(): Obs;
  summary(): RunSummary;
}

export interface RunDirMonitorOptions<Run> {
  paths: RunDirPaths;
  run: Run;
  kernel: PluginHost;
  info: RunInfo;
  /** the operator asked to stop over the socket */
  onStop(): void;
  /** the state file could not be rewritten (said once per distinct failure; the run goes on) */
  onStateError?(error: unknown): void;
}

export type DocumentSource = 'live' | 'state_file';

export abstract class RunDirMonitor<Obs, Doc, Run extends MonitoredRun<Obs> = MonitoredRun<Obs>> {
  private readonly server: ControlServer;
  private timer: NodeJS.Timeout | null = null;
  private previous = new Map<string, number>();
  private current = new Map<string, number>();
  private readonly startTicks = processStartTicks('self') ?? null;

  constructor(protected readonly opts: RunDirMonitorOptions<Run>) {
    this.server = new ControlServer(opts.paths.socket, {
      ping: () => ({ pid: process.pid, spec_hash: opts.info.specHash, state: opts.run.state }),
      snapshot: () => this.snapshot('live'),
      stop: () => {
        opts.onStop();
        return opts.run.state;
      },
    });
  }

  /** Take note of a sample: which positions (see `stalledAt`) did not move since the last one. */
  protected abstract track(obs: Obs): void;
  /** The model's document of an observation, closed by the plugin sections. */
  protected abstract document(obs: Obs, source: DocumentSource, sections: Record<string, unknown>): Doc;
  /** Rewrite the run directory's state file. */
  protected abstract writeState(doc: Doc): void;

  async start(): Promise<void> {
    await this.server.listen();
    await this.sample();
    this.timer = setInterval(() => {
      void this.sample().catch((e) => this.stateError(e));
    }, STATE_INTERVAL_MS);
    this.timer.unref();
  }

  private lastStateError = '';

  private stateError(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    if (message === this.lastStateError) return;
    this.lastStateError = message;
    this.opts.onStateError?.(e);
  }

  /** Take a sample: track it and rewrite the state file. */
  private async sample(): Promise<void> {
    const obs = this.opts.run.observe();
    this.current = new Map();
    this.track(obs);
    this.previous = this.current;
    this.writeState(this.document(obs, 'state_file', await this.sections()));
  }

  async snapshot(source: DocumentSource): Promise<Doc> {
    const obs = this.opts.run.observe();
    return this.document(obs, source, await this.sections());
  }

  /**
   * Called by track() for each position of a sample: true when position `id` is stalled (its
   * sequence did not move since the previous sample while it lagged).
   */
  protected stalledAt(id: string, sequence: number, lag: number): boolean {
    this.current.set(id, sequence);
    return lag > 0 && this.previous.get(id) === sequence;
  }

  /** The fields every state document starts with (spec identity, capture time, source). */
  protected header(source: DocumentSource) {
    const { info } = this.opts;
    return {
      spec_hash: info.specHash,
      spec_name: info.spec.name,
      spec_path: info.specPath,
      captured_unix_ms: Date.now(),
      source,
    };
  }

  /** The runtime process as every state document describes it (each model adds its `wait`). */
  protected runtimeProcess(obs: { state: string }) {
    const { info, run } = this.opts;
    return {
      pid: process.pid,
      start_ticks: this.startTicks,
      run_dir: info.runDir,
      started_unix_ms: run.startedUnixMs,
      state: obs.state,
      one_shot: info.oneShot,
    };
  }

  /** The run's error once it failed, else null. */
  protected runError(): RunSummary['error'] | null {
    const { run } = this.opts;
    return run.failure ? (run.summary().error ?? null) : null;
  }

  /** Every plugin snapshot section by name (sorted); a section that fails says so in its place. */
  private async sections(): Promise<Record<string, unknown>> {
    const { info, kernel } = this.opts;
    const sections: Record<string, unknown> = {};
    const list = [...kernel.snapshotSections()].sort((a, b) => a.section.name.localeCompare(b.section.name));
    for (const { section, plugin } of list) {
      try {
        sections[section.name] = await section.collect(info);
      } catch (e) {
        sections[section.name] = {
          error: `plugin "${plugin}" failed to collect this section: ${e instanceof Error ? e.message : String(e)}`,
        };
      }
    }
    return sections;
  }

  /** Final state file, then close the socket (closed even when the state file cannot be written). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      await this.sample();
    } catch (e) {
      this.stateError(e);
    } finally {
      await this.server.close();
    }
  }
}
