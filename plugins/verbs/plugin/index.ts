import { Flags, type PluginVerbFlags } from './flags.ts';
import { definePlugin, PLUGIN_API_VERSION, type VerbContext } from '../../../kernel/plugin-contract.ts';
import { PluginErrors } from './errors.ts';

/**
 * `byteor plugin init DIR [--name=NAME]`: scaffold a plugin package in a new or empty directory —
 * a stage family, a flag on `run`, a snapshot section, a test with byteor/testing and a README —
 * that builds with tsc and passes its own `npm test` against the installed byteor
 * (docs/plugins.md §1). A non-empty DIR is refused (BYTEOR_E_PLUGIN_INIT_NOT_EMPTY, exit 2).
 */

async function run(ctx: VerbContext<PluginVerbFlags>): Promise<number> {
  const { runPluginInit } = await import('./init.ts');
  return runPluginInit(ctx);
}

export default definePlugin({
  name: 'plugin',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: PluginErrors,
  setup(host) {
    host.registerVerb({
      name: 'plugin',
      summary: 'plugin init DIR: scaffold a plugin package (stage family, run flag, snapshot section, test, README)',
      usage: [
        'byteor plugin init DIR [--name=NAME]',
        "DIR must be new or empty. NAME (default: DIR's base name) is the npm package and plugin name.",
        'Then: cd DIR && npm install && npm test (docs/plugins.md walks on to npm publish).',
      ].join('\n'),
      flags: Flags,
      run,
    });
  },
});
