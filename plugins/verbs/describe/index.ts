import { stableJson } from '../../../kernel/artifacts/json.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type FlagValues,
  type VerbContext,
} from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { describeSpec, renderDescription } from '../../../kernel/spec/describe.ts';
import { NO_SPEC_PLUGINS, NO_SPEC_PLUGINS_FLAG } from '../../../kernel/spec/no-spec-plugins.ts';
import { ENV_SPEC, DEFAULT_SPEC_PATH, resolveSpecPath } from '../../../kernel/spec/load.ts';

/**
 * `byteor describe --spec=PATH [--json]`: the intended topology of a valid spec: model, stages or
 * lanes/endpoints/roles with their keys and dependencies, constraints, spec hash and the
 * compile diagnostics of lowering. An invalid spec fails with BYTEOR_E_SPEC_INVALID (exit 3).
 */

const Flags = flags({
  spec: flag.string({ value: 'PATH', description: 'the spec.kv file' }),
  [NO_SPEC_PLUGINS_FLAG]: NO_SPEC_PLUGINS,
});

async function run(ctx: VerbContext<FlagValues<typeof Flags>>): Promise<number> {
  const loaded = await ctx.loadSpec(resolveSpecPath(ctx.flags.spec, ctx.env), {
    specPlugins: !ctx.flags[NO_SPEC_PLUGINS_FLAG],
  });
  const d = describeSpec(loaded, ctx.catalog);
  ctx.io.out(ctx.json ? stableJson(d) : renderDescription(d));
  return ExitCode.OK;
}

export default definePlugin({
  name: 'describe',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(host) {
    host.registerVerb({
      name: 'describe',
      summary: 'describe the topology of a spec (model, stages/roles, lanes, constraints, hash, compile diagnostics)',
      usage: `The spec is --spec, else $${ENV_SPEC}, else ${DEFAULT_SPEC_PATH}.`,
      flags: Flags,
      run,
    });
  },
});
