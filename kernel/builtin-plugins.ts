/**
 * The one kernel file that names plugins: built-in plugins by name → module URL. Verb plugins
 * and the core stages are always loaded; products are loaded by name (`--plugin=actiongraph`)
 * or by their shortcut binaries.
 */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const at = (p: string) => new URL(`../plugins/${p}/index${EXT}`, import.meta.url).href;

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
  approval: at('verbs/approval'),
  capabilities: at('verbs/capabilities'),
  compatibility: at('verbs/compatibility'),
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
  'capabilities',
  'compatibility',
];

export const PRODUCT_PLUGINS: readonly string[] = ['edgeplane', 'actiongraph', 'dataguard'];
