import type { RunSummary } from '../../../kernel/hooks.ts';
import { LineEgress } from '../../../kernel/io/line-egress.ts';
import { ListIngress } from '../../../kernel/io/list-ingress.ts';
import type { AdapterHealth, EgressAdapter, VerbCapabilities } from '../../../kernel/plugin-contract.ts';
import type { LoadedSpec } from '../../../kernel/spec/load.ts';

/** Egress that keeps nothing: the replay's outcome is in the summary and the audit. */
class DiscardEgress implements EgressAdapter {
  private count = 0;
  async start(): Promise<void> {}
  async write(records: Uint8Array[]): Promise<void> {
    this.count += records.length;
  }
  async close(): Promise<void> {}
  health(): AdapterHealth {
    return {
      transport: 'discard',
      connection_state: 'connected',
      message_count: this.count,
      lag: null,
      recent_failures: [],
    };
  }
}

/**
 * Push the selected records through the bundle's spec (SingleRing or LaneGraph: into its
 * ingress, as the runtime's ingress did) with the kernel's run lifecycle (ctx.run: runStarting —
 * where policy gates such as ActionGraph's decide —, runStarted, runStopped), one-shot, without a
 * run directory, journal or signal handling. `dryRun` is forwarded to every stage, so
 * side-effecting stages record instead of performing. An egress that fails to close fails the
 * replay.
 */
export async function replayRecords(opts: {
  run: VerbCapabilities['run'];
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
  const { summary, egressCloseError } = await opts.run({
    loaded,
    specPath: loaded.path,
    runDir: null,
    oneShot: true,
    dryRun: opts.dryRun,
    flags: opts.flags,
    env: opts.env,
    adapters: () => ({
      ingress: new ListIngress(opts.records),
      egress:
        opts.egress ?? (opts.output !== undefined ? new LineEgress({ output: opts.output }) : new DiscardEgress()),
    }),
  });
  if (egressCloseError) throw egressCloseError;
  return summary;
}
