import type { PluginHost } from '../plugin-contract.ts';

/** What a stage worker (SingleRing stage, LaneGraph stage role) imports and which plugin should give it its stage. */
export interface WorkerPlugins {
  /** plugin module URLs to import, in load order */
  specifiers: string[];
  /** the plugin that provides the stage key on the main thread (null when none does) */
  provider: string | null;
}

/**
 * The plugins a stage worker imports: the one that provides its stage key and that plugin's
 * declared dependencies (in load order, transitively), so a worker does not import every verb
 * and product plugin, and runs the setup of those plugins only. When the main kernel cannot
 * tell (the key resolves nowhere there), all of them.
 */
export function workerPlugins(kernel: PluginHost, key: string): WorkerPlugins {
  const provider = kernel.resolveStage(key)?.plugin;
  const plugins = kernel.plugins;
  const byName = new Map(plugins.map((p) => [p.name, p]));
  if (!provider || !byName.has(provider))
    return { specifiers: [...kernel.pluginSpecifiers], provider: provider ?? null };
  const need = new Set<string>();
  const visit = (name: string) => {
    if (need.has(name)) return;
    need.add(name);
    for (const d of byName.get(name)?.dependencies ?? []) visit(d);
  };
  visit(provider);
  return { specifiers: plugins.filter((p) => need.has(p.name)).map((p) => p.specifier), provider };
}
