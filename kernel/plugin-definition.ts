import { ByteorError } from './errors.ts';
import {
  dependencyNames,
  KERNEL_COPY,
  PLUGIN_API_VERSION,
  PLUGIN_BRAND,
  type PluginDefinition as PluginDefinitionType,
  type PluginHost,
} from './plugin-contract.ts';
import { pluginDefinitionSchema } from './plugin-definition-schema.ts';
import { kernelCopyFix } from './plugin-kernel-copy.ts';
import { KernelErrors } from './errors/kernel-errors.ts';

export { PLUGIN_NAME } from './plugin-definition-schema.ts';

/**
 * The shape a plugin's default export must have, checked when the kernel installs it. A default
 * export that is not an object, or an object without a numeric `apiVersion` (an empty file
 * imported as CommonJS gives `{}`), is not a plugin: BYTEOR_E_PLUGIN_INVALID. Then the API
 * version is checked (a plugin written for another API may differ in every other field), so
 * its error names the plugin and both versions.
 */

/** A plugin's default export, as definePlugin({ ... }) makes it (kernel/plugin-definition-schema.ts). */
export const PluginDefinition = pluginDefinitionSchema<PluginHost>();

function invalid(plugin: string, message: string): ByteorError {
  return KernelErrors.error('BYTEOR_E_PLUGIN_INVALID', message, { plugin, hook: 'load' });
}

/** Check a plugin definition; throws a ByteorError naming the plugin (or its specifier). */
export function checkPluginDefinition(def: unknown, specifier: string): PluginDefinitionType {
  if (typeof def !== 'object' || def === null) {
    throw invalid(
      specifier,
      `plugin "${specifier}" has no default export made with definePlugin({ name, version, apiVersion, setup })`,
    );
  }
  const d = def as Partial<PluginDefinitionType>;
  const label = typeof d.name === 'string' && d.name ? d.name : specifier;
  if (typeof d.apiVersion !== 'number') {
    // an empty CommonJS file has the default export {}: not a plugin of another API, no plugin at all
    throw invalid(
      label,
      `plugin "${label}" (${specifier}) is not a plugin definition: its default export has no numeric ` +
        `"apiVersion"; export definePlugin({ name, version, apiVersion, setup })`,
    );
  }
  if (d.apiVersion !== PLUGIN_API_VERSION) {
    throw KernelErrors.error(
      'BYTEOR_E_PLUGIN_API_VERSION',
      `plugin "${label}" was written for plugin API version ${String(d.apiVersion)}, but this kernel provides ` +
        `version ${PLUGIN_API_VERSION}; install a version of the plugin built for API ${PLUGIN_API_VERSION}`,
      { plugin: label, hook: 'load', plugin_api_version: d.apiVersion ?? null, kernel_api_version: PLUGIN_API_VERSION },
    );
  }
  const copy = (def as Record<symbol, unknown>)[PLUGIN_BRAND];
  if (copy !== undefined && copy !== KERNEL_COPY) {
    throw KernelErrors.error(
      'BYTEOR_E_PLUGIN_KERNEL_COPY',
      `plugin "${label}" (${specifier}) was made with definePlugin from another copy of byteor (` +
        `${typeof copy === 'string' ? copy : 'an older byteor'}), not the kernel running it (${KERNEL_COPY}); ` +
        `${kernelCopyFix()}`,
      { plugin: label, hook: 'load', plugin_kernel: copy, kernel: KERNEL_COPY },
    );
  }
  const r = PluginDefinition.safeParse(def);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw invalid(
      label,
      `plugin "${label}" (${specifier}) is not a valid plugin definition: field "` +
        `${issue.path.join('.') || '(root)'}": ${issue.message}`,
    );
  }
  if (dependencyNames(d.dependencies).includes(d.name!))
    throw invalid(label, `plugin "${label}" lists itself in "dependencies"; remove it`);
  return def as PluginDefinitionType;
}
