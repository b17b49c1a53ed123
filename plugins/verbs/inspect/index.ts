import { Flags, type InspectFlags } from './flags.ts';
import { definePlugin, PLUGIN_API_VERSION, type VerbContext } from '../../../kernel/plugin-contract.ts';

/**
 * `byteor inspect --bundle=DIR|FILE.tar.gz [--profile=P] [--json]`: the runbook's step 4 as a
 * verb (docs/operator-flow.md). The manifest is verified first (exit 6 when the bundle does not
 * verify); then the artifacts are read in the runbook's order, each with its interpretation,
 * the product shortcut leading, and the walk ends with the next step. Exit 0 when the walk
 * completes: what it finds is data.
 */

async function run(ctx: VerbContext<InspectFlags>): Promise<number> {
  const { runInspect } = await import('./run-inspect.ts');
  return runInspect(ctx);
}

export default definePlugin({
  name: 'inspect',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(host) {
    host.registerVerb({
      name: 'inspect',
      summary: "read an incident bundle in the runbook's order, with each artifact's interpretation and the next step",
      usage: [
        'Order: manifest (verified) → spec_validation.json → policy_audit.json → environment.json →',
        'single_ring_snapshot.json | lane_graph_state.json → product artifacts and replay audits; the product',
        'shortcut (EdgePlane adapters, ActionGraph approvals, DataGuard report) comes first.',
        'A spec that failed validation stops the walk at step 1. Exit 0 when the walk completes, 6 when the ' +
          'bundle does not verify.',
      ].join('\n'),
      flags: Flags,
      run,
    });
  },
});
