import { stableJson } from '../../../kernel/artifacts/json.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type FlagValues,
  type VerbContext,
} from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { formatDiagnostic } from '../../../kernel/spec/format-diagnostic.ts';
import { NO_SPEC_PLUGINS, NO_SPEC_PLUGINS_FLAG } from '../../../kernel/spec/no-spec-plugins.ts';
import { ENV_SPEC, DEFAULT_SPEC_PATH, resolveSpecPath, specValidationReport } from '../../../kernel/spec/load.ts';

/**
 * `byteor validate --spec=PATH [--json]`: every v1 rule (docs/spec-kv.md), failing closed.
 * Exit 0 when the spec is valid, 3 when it is not, 2 when the file cannot be read.
 * Human form: diagnostics on stderr (compiler style, with line numbers), the verdict on stdout.
 * `--json`: the SpecValidationReport `{ok, spec_hash, model, errors, warnings}` on stdout.
 */

const Flags = flags({
  spec: flag.string({ value: 'PATH', description: 'the spec.kv file' }),
  [NO_SPEC_PLUGINS_FLAG]: NO_SPEC_PLUGINS,
});

async function run(ctx: VerbContext<FlagValues<typeof Flags>>): Promise<number> {
  const path = resolveSpecPath(ctx.flags.spec, ctx.env);
  const check = await ctx.checkSpec(path, { specPlugins: !ctx.flags[NO_SPEC_PLUGINS_FLAG] });
  const report = specValidationReport(check);
  if (ctx.json) {
    ctx.io.out(stableJson(report));
  } else {
    for (const d of check.errors) ctx.io.err(`${formatDiagnostic(d, 'error', path)}\n`);
    for (const d of check.warnings) ctx.io.err(`${formatDiagnostic(d, 'warning', path)}\n`);
    const w = check.warnings.length
      ? `, ${check.warnings.length} warning${check.warnings.length === 1 ? '' : 's'}`
      : '';
    ctx.io.out(
      check.ok
        ? `valid: ${path} (${check.model}, ${check.hash}${w})\n`
        : `invalid: ${path}: ${check.errors.length} error${check.errors.length === 1 ? '' : 's'}${w}\n`,
    );
  }
  return check.ok ? ExitCode.OK : ExitCode.SPEC_INVALID;
}

export default definePlugin({
  name: 'validate',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(host) {
    host.registerVerb({
      name: 'validate',
      summary: 'check a spec against every v1 rule (exit 3 when invalid)',
      usage:
        `The spec is --spec, else $${ENV_SPEC}, else ${DEFAULT_SPEC_PATH}. Stage keys must be provided by a ` +
        `loaded\nplugin (--plugin=NAME, or plugins.<i>=NAME in the spec). Rules and codes: docs/spec-kv.md.\nAn ` +
        `untrusted spec: --no-spec-plugins checks it without importing (running) the plugins it names.`,
      flags: Flags,
      run,
    });
  },
});
