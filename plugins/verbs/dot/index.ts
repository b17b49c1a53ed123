import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { stableJson } from '../../../kernel/artifacts/json.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type FlagValues,
  type VerbContext,
} from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { specToDot } from '../../../kernel/spec/dot.ts';
import { NO_SPEC_PLUGINS, NO_SPEC_PLUGINS_FLAG } from '../../../kernel/spec/no-spec-plugins.ts';
import { ENV_SPEC, DEFAULT_SPEC_PATH, resolveSpecPath } from '../../../kernel/spec/load.ts';
import { GRAPHVIZ_INSTALL, renderWithGraphviz } from './render.ts';
import { DotErrors } from './errors.ts';

/**
 * `byteor dot --spec=PATH [--out=FILE.svg|FILE.dot] [--json]`: the spec's topology as Graphviz
 * DOT. Without --out the DOT goes to stdout; `--out=*.dot` writes it to the file; `--out=*.svg`
 * renders it with the real `dot -Tsvg`.
 */

const Flags = flags({
  spec: flag.string({ value: 'PATH', description: 'the spec.kv file' }),
  out: flag.string({
    value: 'FILE.svg|FILE.dot',
    description: 'write to a file: .svg renders with Graphviz dot, .dot writes DOT',
    schema: z
      .string()
      .min(1)
      .refine((p) => /\.(svg|dot|gv)$/i.test(p), 'must end in .svg (rendered with Graphviz) or .dot/.gv (DOT text)')
      .optional(),
  }),
  [NO_SPEC_PLUGINS_FLAG]: NO_SPEC_PLUGINS,
});

async function run(ctx: VerbContext<FlagValues<typeof Flags>>): Promise<number> {
  const loaded = await ctx.loadSpec(resolveSpecPath(ctx.flags.spec, ctx.env), {
    specPlugins: !ctx.flags[NO_SPEC_PLUGINS_FLAG],
  });
  const text = specToDot(loaded.spec, loaded.hash);
  const out = ctx.flags.out;
  if (out === undefined) {
    ctx.io.out(ctx.json ? stableJson({ spec_hash: loaded.hash, format: 'dot', dot: text }) : text);
    return ExitCode.OK;
  }
  const format = /\.svg$/i.test(out) ? ('svg' as const) : ('dot' as const);
  if (format === 'svg') renderWithGraphviz(text, 'svg', out, ctx.env);
  else writeFileSync(out, text);
  if (ctx.json) ctx.io.out(stableJson({ spec_hash: loaded.hash, format, out }));
  else ctx.io.err(`wrote ${out} (${format === 'svg' ? 'rendered with Graphviz dot' : 'DOT'})\n`);
  return ExitCode.OK;
}

export default definePlugin({
  name: 'dot',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: DotErrors,
  setup(host) {
    host.registerVerb({
      name: 'dot',
      summary: 'draw the topology of a spec as Graphviz DOT (or render it to SVG)',
      usage:
        `The spec is --spec, else $${ENV_SPEC}, else ${DEFAULT_SPEC_PATH}. --out=FILE.svg needs Graphviz's "dot"\n` +
        `(${GRAPHVIZ_INSTALL}).`,
      flags: Flags,
      run,
    });
  },
});
