import { flag } from '../flags.ts';
import type { Diagnostic } from './model.ts';

/**
 * Checking an untrusted spec without running its plugins. A spec's `plugins.<i>=NAME|PATH` lines
 * are imported when the spec is read, and importing a plugin runs its code. With
 * `--no-spec-plugins` (`validate`, `describe`, `dot`, `compatibility`; `CheckOptions.specPlugins:
 * false` from code) they are not imported: each is reported with a warning, and stage keys only
 * they would provide are unknown, with a message that says why.
 */
export const NO_SPEC_PLUGINS_FLAG = 'no-spec-plugins';

/** `--no-spec-plugins`, declared once for every verb that reads a spec */
export const NO_SPEC_PLUGINS = flag.boolean({
  description:
    'do not import the plugins the spec names (plugins.<i>): check an untrusted spec without running its code; ' +
    'stage keys only they provide are reported as unknown',
});

export const SPEC_PLUGIN_NOT_LOADED = 'BYTEOR_W_SPEC_PLUGIN_NOT_LOADED';

/** `plugins.0=a, plugins.1=b` */
function named(plugins: readonly string[]): string {
  return plugins.map((p, i) => `plugins.${i}=${p}`).join(', ');
}

/** What an unknown stage key's diagnostic says when the spec's plugins were left out. */
export function unloadedSpecPluginsNote(plugins: readonly string[]): string {
  return (
    `the plugins this spec names (${named(plugins)}) were not loaded because of --${NO_SPEC_PLUGINS_FLAG}: review ` +
    `them, then check without --${NO_SPEC_PLUGINS_FLAG} (or load one with --plugin=NAME|PATH)`
  );
}

/** One warning per plugin line that was not imported. */
export function unloadedSpecPluginWarnings(
  plugins: readonly string[],
  lines: ReadonlyMap<string, number>,
): Diagnostic[] {
  return plugins.map((p, i) => {
    const key = `plugins.${i}`;
    const line = lines.get(key);
    return {
      code: SPEC_PLUGIN_NOT_LOADED,
      message:
        `${key}=${p} was not loaded because of --${NO_SPEC_PLUGINS_FLAG} (its code did not run); stage keys only ` +
        `it provides are reported as unknown`,
      key,
      ...(line !== undefined ? { line } : {}),
    };
  });
}
