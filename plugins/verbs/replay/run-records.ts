import { SingleRingRun } from '../../../kernel/exec/single-ring-executor.ts';
import { LaneGraphRun } from '../../../kernel/lanegraph/executor.ts';
import type { RunInfo, RunSummary } from '../../../kernel/hooks.ts';
import { LineEgress } from '../../../kernel/io/line-egress.ts';
import type { AdapterHealth, EgressAdapter, PluginHost } from '../../../kernel/plugin-contract.ts';
import type { LoadedSpec } from '../../../kernel/spec/load.ts';

/** Egress that keeps nothing: the replay's outcome is in the summary and the audit. */
class DiscardEgress implements EgressAdapter {
  private count = 0;
  async start(): Promise<void> {}
  async write(records: Uint8Array[]): Promise<void> { this.count += records.length; }
  async close(): Promise<void> {}
  health(): AdapterHealth {
    return { transport: 'discard', connection_state: 'connected', message_count: this.count, lag: null, recent_failures: [] };
  }
}

/**
 * Push the selected records through the bundle's spec (SingleRing or LaneGraph: into its
 * ingress, as the runtime's ingress did) with the run lifecycle of the kernel
 * (runStarting — where policy gates such as ActionGraph's decide —, runStarted, runStopped),
 * one-shot, without a run directory or journal. `dryRun` is forwarded to every stage, so
 * side-effecting stages record instead of performing.
 */
export async function replayRecords(opts: {
  kernel: PluginHost;
  loaded: LoadedSpec;
  records: readonly Uint8Array[];
  dryRun: boolean;
  flags: Readonly<Record<string, unknown>>;
  env: Readonly<Record<string, string | undefined>>;
  /** write what leaves the pipeline to this file, one record per line */
  output?: string;
  /** or through this adapter (the egress binding of the adapter config, execute mode) */
  egress?: EgressAdapter;
}): Promise<RunSummary> {
  const { loaded } = opts;
  const run: RunInfo = {
    spec: loaded.spec, specHash: loaded.hash, specPath: loaded.path, runDir: null, oneShot: true,
    dryRun: opts.dryRun, flags: opts.flags, env: opts.env,
  };
  await opts.kernel.hooks.runStarting.promise(run);
  const egress: EgressAdapter = opts.egress ?? (opts.output !== undefined ? new LineEgress({ output: opts.output }) : new DiscardEgress());
  await egress.start();
  let summary: RunSummary;
  try {
    const r = loaded.spec.model === 'single_ring'
      ? await SingleRingRun.start({ kernel: opts.kernel, spec: loaded.spec, run, egress })
      : await LaneGraphRun.start({ kernel: opts.kernel, spec: loaded.spec, run, egress });
    await opts.kernel.hooks.runStarted.promise(run);
    for (const rec of opts.records) {
      if (r.failure) break;
      await r.sink.push(rec);
    }
    r.stop();
    summary = await r.done;
  } finally {
    await egress.close();
  }
  await opts.kernel.hooks.runStopped.promise(run, summary);
  return summary;
}
