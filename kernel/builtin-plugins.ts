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
  top: at('verbs/top'),
  diff: at('verbs/diff'),
  approval: at('verbs/approval'),
  capabilities: at('verbs/capabilities'),
  compatibility: at('verbs/compatibility'),
  metrics: at('metrics'),
  'agent-reporting': at('agent-reporting'),
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
  'top',
  'diff',
  'capabilities',
  'compatibility',
  'plugin',
];

/**
 * Built-in plugins that register no verb but add flags and lifecycle taps to one (extendVerb):
 * they are loaded with that verb, and whenever every default plugin is. Stage workers import
 * them too (they return at once there).
 */
export const VERB_EXTENSION_PLUGINS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  run: ['metrics', 'agent-reporting'],
});

const ALL_DEFAULTS: readonly string[] = [...DEFAULT_PLUGINS, ...Object.values(VERB_EXTENSION_PLUGINS).flat()];

/** Verbs whose output lists every verb: they load every default plugin. */
const VERBS_LISTING_ALL: readonly string[] = ['capabilities'];

/**
 * The default plugins one invocation loads. Each built-in verb plugin registers exactly the verb
 * it is named after (a test pins this), so `byteor validate` loads `core-stages` and `validate`
 * only: the cold start pays for what the verb uses. Help, `capabilities` and any verb a built-in
 * plugin does not provide (a third-party plugin's) load them all, with the verb extensions.
 */
export function defaultPluginsFor(verb: string | undefined): readonly string[] {
  if (
    verb === undefined ||
    VERBS_LISTING_ALL.includes(verb) ||
    verb === 'core-stages' ||
    !DEFAULT_PLUGINS.includes(verb)
  )
    return ALL_DEFAULTS;
  return ['core-stages', verb, ...(VERB_EXTENSION_PLUGINS[verb] ?? [])];
}

export const PRODUCT_PLUGINS: readonly string[] = ['edgeplane', 'actiongraph', 'dataguard'];
