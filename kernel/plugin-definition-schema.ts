import { z } from 'zod';
import { isErrorTable, type ErrorTable } from './errors/define-errors.ts';
import { isValidRange } from './plugin-dependency-range.ts';

/**
 * The zod schema of a plugin's default export (what definePlugin({ ... }) makes), the one
 * declaration of its type: kernel/plugin-contract.ts infers `PluginDefinition` from it, and
 * kernel/plugin-definition.ts checks a loaded plugin against it. A leaf (zod, the semver range
 * check and the error tables' leaf): the host type `setup` receives is a type parameter, so this
 * module needs nothing from the contract that uses it.
 */

/** npm-style names: `edgeplane`, `acme-audit`, `@acme/byteor-audit` */
export const PLUGIN_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

const PluginName = (message: string) => z.string().regex(PLUGIN_NAME, message);

/**
 * The plugins a plugin needs installed first: their names (any version), or an object of names
 * to semver ranges (`{ 'byteor-edgeplane': '^1' }`), checked against the loaded versions.
 */
export const PluginDependencies = z.union(
  [
    z.array(PluginName('must name a plugin')),
    z.record(
      PluginName('must name a plugin'),
      z.string().refine((r) => isValidRange(r), 'must be a semver range, e.g. "^1" or ">=1.2 <3"'),
    ),
  ],
  {
    error: 'must be an array of plugin names, or an object of plugin names to semver ranges ({ "other-plugin": "^1" })',
  },
);
export type PluginDependencies = z.output<typeof PluginDependencies>;

/** A plugin's default export; `Host` is the plugin host `setup` registers with (PluginHost). */
export function pluginDefinitionSchema<Host>() {
  return z.object({
    name: PluginName('must be a lower-case npm-style name, e.g. "acme-audit" or "@acme/byteor-audit"'),
    version: z.string().min(1, 'must be a non-empty version string, e.g. "1.0.0"'),
    apiVersion: z.number().int(),
    /** plugins that must be loaded before this one: names, or names → semver ranges */
    dependencies: PluginDependencies.optional(),
    /**
     * The error codes the plugin raises (defineErrors): the kernel refuses the plugin when one of
     * them is already registered by another owner with a different exit code.
     */
    errors: z
      .custom<ErrorTable>(
        (v) => isErrorTable(v),
        'must be an error table made with defineErrors(owner, { BYTEOR_E_...: { exit, summary } })',
      )
      .optional(),
    /** registers what the plugin provides, synchronously */
    setup: z.custom<(host: Host) => void>((v) => typeof v === 'function', 'must be a function setup(host)'),
  });
}
