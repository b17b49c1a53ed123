import { CompatibilityReport } from '../../../kernel/artifacts/compatibility-report.ts';
import { stableJson, writeJsonArtifact } from '../../../kernel/artifacts/json.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import { definePlugin, PLUGIN_API_VERSION } from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { readSpecFile, resolveSpecPath, specInvalidError } from '../../../kernel/spec/load.ts';
import { NO_SPEC_PLUGINS, NO_SPEC_PLUGINS_FLAG, SPEC_PLUGIN_NOT_LOADED } from '../../../kernel/spec/no-spec-plugins.ts';
import { compatibilityReport, renderCompatibility } from './report.ts';
import { KernelErrors } from '../../../kernel/errors/kernel-errors.ts';

/**
 * `byteor compatibility --spec=PATH [--plugin=...] [--out=FILE] [--json]`: for each stage key of
 * the spec, how the loaded plugins satisfy it (`built_in | catalog_stable | catalog_prefix |
 * unknown`), whether it is supported, its policy class and replay support — ByteOr's
 * compatibility report v1. Exit 3 when a stage key is not supported; the report is printed
 * either way. Plugins the spec names (`plugins.<i>`) are loaded first, as for every verb.
 */
const Flags = flags({
  spec: flag.string({
    value: 'PATH',
    description: 'the spec.kv to check (default: $BYTEOR_SPEC, else /etc/byteor/spec.kv)',
  }),
  out: flag.string({ value: 'FILE', description: 'also write the compatibility report (JSON) to FILE' }),
  [NO_SPEC_PLUGINS_FLAG]: NO_SPEC_PLUGINS,
});

export default definePlugin({
  name: 'compatibility',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(host) {
    host.registerVerb({
      name: 'compatibility',
      summary: 'report how the loaded plugins satisfy each stage key of a spec (exit 3 when one is unsupported)',
      usage: [
        'Each stage key is built_in (an intrinsic stage), catalog_stable (an exact key a plugin provides),',
        'catalog_prefix (a parameterised family such as http_post:) or unknown (no loaded plugin provides it).',
        'Load the plugins a spec needs with --plugin=NAME|PATH|PACKAGE (or name them in the spec: plugins.<i>=...).',
        'An untrusted spec: --no-spec-plugins checks it without importing (running) the plugins it names.',
      ].join('\n'),
      flags: Flags,
      async run(ctx) {
        const path = resolveSpecPath(ctx.flags.spec, ctx.env);
        const check = await ctx.checkSpecText(readSpecFile(path), {
          path,
          specPlugins: !ctx.flags[NO_SPEC_PLUGINS_FLAG],
        });
        // stage keys are read from the decoded spec even when validation refused some of them
        if (!check.spec || !check.hash) throw specInvalidError(check);
        const report = compatibilityReport(ctx.catalog, check.spec, check.hash, check.unloadedSpecPlugins);
        for (const w of check.warnings.filter((d) => d.code === SPEC_PLUGIN_NOT_LOADED))
          ctx.io.err(`warning[${w.code}]: ${w.message}\n`);
        if (ctx.flags.out) {
          writeJsonArtifact(ctx.flags.out, CompatibilityReport, report);
          ctx.io.err(`compatibility: wrote ${ctx.flags.out}\n`);
        }
        ctx.io.out(ctx.json ? stableJson(report) : renderCompatibility(report));
        if (report.compatible && !check.ok) {
          ctx.io.err(
            `compatibility: the stage keys are supported, but the spec has ${check.errors.length} other ` +
              `validation error(s); run "byteor validate --spec=${path}` +
              `${check.unloadedSpecPlugins ? ' --no-spec-plugins' : ''}"\n`,
          );
        }
        if (!report.compatible) {
          const bad = report.stages.filter((s) => !s.supported);
          const what = bad.map((s) =>
            s.source === 'unknown'
              ? `"${s.key}" (` +
                (`${check.unloadedSpecPlugins ? s.reason : 'no loaded plugin provides it: load one with --plugin=NAME|PATH|PACKAGE'}` +
                  `)`)
              : `"${s.key}" (plugin "${s.plugin}" refuses it: ${s.reason})`,
          );
          const err = KernelErrors.error(
            'BYTEOR_E_STAGE_UNSUPPORTED',
            `spec ${path}: ${bad.length} stage key${bad.length === 1 ? ' is' : 's are'} not supported: ` +
              `${what.join('; ')}`,
            { path, unsupported: bad.map((s) => s.key) },
          );
          ctx.io.err(`error[${err.code}]: ${err.message}\n`);
          return err.exitCode;
        }
        return ExitCode.OK;
      },
    });
  },
});
