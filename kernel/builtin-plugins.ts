/**
 * The one kernel file that names plugins: built-in plugins by name → module URL. Verb plugins
 * and the core stages are always loaded; products are loaded by name (`--plugin=actiongraph`)
 * or by their shortcut binaries.
 */
import { ownModuleUrl } from './package-paths.ts';

const at = (p: string) => ownModuleUrl(`plugins/${p}/index`).href;

export const BUILTIN_PLUGINS: Readonly<Record<string, string>> = Object.freeze({
  'core-stages': at('stages'),
  validate: at('verbs/validate'),
  describe: at('verbs/describe'),
  dot: at('verbs/dot'),
  doctor: at('verbs/doctor'),
  run: at('verbs/run'),
  snapshot: at('verbs/snapshot'),
  'incident-bundle': at('verbs/incident-bundle'),
  replay: at('verbs/replay'),
  inspect: at('verbs/inspect'),
  diff: at('verbs/diff'),
  approval: at('verbs/approval'),
  capabilities: at('verbs/capabilities'),
  compatibility: at('verbs/compatibility'),
  plugin: at('verbs/plugin'),
  edgeplane: at('edgeplane'),
  actiongraph: at('actiongraph'),
  dataguard: at('dataguard'),
});

/** Loaded by every `byteor` invocation, in this order. */
export const DEFAULT_PLUGINS: readonly string[] = [
  'core-stages',
  'validate',
  'describe',
  'dot',
  'run',
  'approval',
  'doctor',
  'snapshot',
  'incident-bundle',
  'replay',
  'inspect',
  'diff',
  'capabilities',
  'compatibility',
  'plugin',
];

/** Verbs whose output lists every verb: they load every default plugin. */
const VERBS_LISTING_ALL: readonly string[] = ['capabilities'];

/**
 * The default plugins one invocation loads. Each built-in verb plugin registers exactly the verb
 * it is named after (a test pins this), so `byteor validate` loads `core-stages` and `validate`
 * only: the cold start pays for what the verb uses. Help, `capabilities` and any verb a built-in
 * plugin does not provide (a third-party plugin's) load them all.
 */
export function defaultPluginsFor(verb: string | undefined): readonly string[] {
  if (verb === undefined || VERBS_LISTING_ALL.includes(verb) || verb === 'core-stages' || !DEFAULT_PLUGINS.includes(verb)) return DEFAULT_PLUGINS;
  return ['core-stages', verb];
}

export const PRODUCT_PLUGINS: readonly string[] = ['edgeplane', 'actiongraph', 'dataguard'];
