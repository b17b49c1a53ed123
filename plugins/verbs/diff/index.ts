import { Flags, type DiffFlags } from './flags.ts';
import { definePlugin, PLUGIN_API_VERSION, type VerbContext } from '../../../kernel/plugin-contract.ts';
import { DiffErrors } from './errors.ts';

/**
 * `byteor diff --spec=A --against=B | --bundle=DIR|FILE.tar.gz [--json]`: the semantic
 * difference between the spec that ran (`--against`, or the bundle's `spec.kv`) and the spec
 * `--spec` (the one deployed now). Exit 0 when they are the same, 1 when they differ (as
 * diff(1)), 2 for usage, 3 when a spec is invalid, 6 when the bundle does not verify.
 */

async function run(ctx: VerbContext<DiffFlags>): Promise<number> {
  const { runDiff } = await import('./run-diff.ts');
  return runDiff(ctx);
}

export default definePlugin({
  name: 'diff',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: DiffErrors,
  setup(host) {
    host.registerVerb({
      name: 'diff',
      summary:
        "what changed between two specs (the incident's and the deployed one): stages, dependencies, shards, " +
        'lanes, capacities; exit 1 when they differ',
      usage: [
        'Compares the decoded models, not the text: comments and line order are no difference.',
        '"-" lines are the --against (or bundle) spec\'s, "+" lines the --spec\'s. Exit 0 same, 1 different, 3 ' +
          'a spec is invalid.',
      ].join('\n'),
      flags: Flags,
      run,
    });
  },
});
