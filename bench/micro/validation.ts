/**
 * micro_validation: spec validation against a kernel with the built-in plugins (the work
 * `validate` and every `run` do before anything starts): validateSpecText on the examples
 * (parse, decode, v1 rules, stage catalog, plugin hooks) and validateSpec on a decoded spec.
 */
import { readFileSync } from 'node:fs';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { DEFAULT_PLUGINS } from '../../kernel/builtin-plugins.ts';
import { decodeSpecText, validateSpecText } from '../../kernel/spec/load.ts';
import { validateSpec } from '../../kernel/spec/validate.ts';
import type { MicroResult } from '../suite/bench-report.ts';
import { defineMicro } from '../suite/micro-definition.ts';
import { caseOf, runCases } from '../suite/benchmark-suite.ts';
import Benchmark from 'benchmark';

const example = (f: string) => readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8');

/** validateSpecText is async: measured with benchmark.js deferred cases. */
function runDeferred(cases: Record<string, () => Promise<unknown>>, maxTimeS: number): Promise<MicroResult['cases']> {
  return new Promise((resolve, reject) => {
    const suite = new Benchmark.Suite();
    for (const [name, fn] of Object.entries(cases)) {
      suite.add(
        name,
        (deferred: { resolve(): void }) => {
          fn().then(() => deferred.resolve(), reject);
        },
        { defer: true, maxTime: maxTimeS, minSamples: 5 },
      );
    }
    const out: MicroResult['cases'] = [];
    suite.on('cycle', (ev: Benchmark.Event) => {
      out.push(caseOf(ev.target));
    });
    suite.on('complete', () => resolve(out));
    suite.on('error', (ev: Benchmark.Event) => reject((ev.target as { error?: unknown }).error));
    suite.run({ async: true });
  });
}

export default defineMicro({
  name: 'micro_validation',
  summary: 'validateSpecText / validateSpec on the examples with the built-in plugins loaded',
  async run({ maxTimeS }) {
    try {
      const kernel = new Kernel();
      await loadPlugins(kernel, [...DEFAULT_PLUGINS]);
      const diamond = example('diamond.kv');
      const sharded = example('sharded.kv');
      const authored = example('chain_authored.kv');
      const spec = decodeSpecText(diamond).spec;
      if (!spec) throw new Error('examples/diamond.kv does not decode');
      for (const t of [diamond, sharded, authored]) {
        const c = await validateSpecText(t, kernel);
        if (!c.ok) throw new Error('an example spec does not validate');
      }
      const cases = await runDeferred(
        {
          'validateSpecText diamond.kv': () => validateSpecText(diamond, kernel),
          'validateSpecText sharded.kv': () => validateSpecText(sharded, kernel),
          'validateSpecText chain_authored.kv (plan, lowered)': () => validateSpecText(authored, kernel),
        },
        maxTimeS,
      );
      cases.push(...runCases({ 'validateSpec diamond (decoded)': () => validateSpec(spec, { kernel }) }, maxTimeS));
      return {
        name: 'micro_validation',
        ok: true,
        error: null,
        cases,
        notes: [`plugins: ${DEFAULT_PLUGINS.join(', ')}`],
      };
    } catch (e) {
      return {
        name: 'micro_validation',
        ok: false,
        error: e instanceof Error ? e.message : String(e),
        cases: [],
        notes: [],
      };
    }
  },
});
