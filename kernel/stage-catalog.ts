import type { PluginHost, StageFamily } from './plugin-contract.ts';
import type { StageCatalogEntry } from './artifacts/capability-document.ts';
import type { StageCompatibilityRequirement, StageKeySource } from './artifacts/compatibility-report.ts';

/**
 * The stage catalog: every stage family the loaded plugins provide, classified the way ByteOr's
 * compatibility report classifies how a stage key is satisfied (byteor_runtime::compatibility):
 * - `built_in`       an intrinsic stage of the runtime (the kernel's own `core-stages` plugin),
 * - `catalog_stable` an exact, stable key from a product or third-party plugin (`dataguard_check`),
 * - `catalog_prefix` a parameterised key family (`http_post:<url>`),
 * - `unknown`        no loaded plugin provides the key.
 * Both the `capabilities` and the `compatibility` verb read the catalog through this file.
 */

/** Plugins whose stage families are intrinsic to the runtime (reported as `built_in`). */
export const INTRINSIC_STAGE_PLUGINS: readonly string[] = ['core-stages'];

/** How a family satisfies its keys. */
export function stageKeySource(plugin: string, family: StageFamily): Exclude<StageKeySource, 'unknown'> {
  if (INTRINSIC_STAGE_PLUGINS.includes(plugin)) return 'built_in';
  return family.key !== undefined ? 'catalog_stable' : 'catalog_prefix';
}

/** Every registered stage family, exact keys first, each group sorted by key. */
export function stageCatalog(host: Pick<PluginHost, 'stages'>): StageCatalogEntry[] {
  const entries = host.stages().map(
    ({ family, plugin }): StageCatalogEntry => ({
      key: family.key ?? family.prefix!,
      keyKind: family.key !== undefined ? 'exact' : 'prefix',
      source: stageKeySource(plugin, family),
      plugin,
      summary: family.summary,
      policyClass: family.policyClass,
      replaySupport: family.replay,
    }),
  );
  return entries.sort((a, b) =>
    a.keyKind === b.keyKind ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.keyKind === 'exact' ? -1 : 1,
  );
}

/** What one stage key of a spec needs, and whether the loaded plugins satisfy it. */
export type StageKeyRequirement = Omit<StageCompatibilityRequirement, 'usedBy'>;

/**
 * Resolve one stage key against the loaded plugins. A key no plugin provides is `unknown`; a key
 * whose family refuses its argument (`check()`) is known but not supported.
 */
export function stageKeyRequirement(host: Pick<PluginHost, 'resolveStage'>, key: string): StageKeyRequirement {
  const hit = host.resolveStage(key);
  if (!hit) {
    return {
      key,
      source: 'unknown',
      supported: false,
      reason: `no loaded plugin provides stage key "${key}"; load the plugin that does with --plugin=NAME|PATH|PACKAGE`,
      replaySupport: 'unsupported',
      approvalCapabilities: [],
    };
  }
  const { family, plugin, argument } = hit;
  const base = { key, source: stageKeySource(plugin, family), plugin, policyClass: family.policyClass };
  let problem: string | undefined;
  try {
    problem = family.check?.(key, argument);
  } catch (e) {
    problem = failure(plugin, 'checking the key', e);
  }
  if (problem !== undefined) {
    return { ...base, supported: false, reason: problem, replaySupport: family.replay, approvalCapabilities: [] };
  }
  let caps: string[] = [];
  if (family.capabilities) {
    try {
      caps = [...family.capabilities(key, argument)];
    } catch (e) {
      return {
        ...base,
        supported: false,
        replaySupport: family.replay,
        approvalCapabilities: [],
        reason: failure(plugin, 'deriving the approval capabilities of the key', e),
      };
    }
  }
  return { ...base, supported: true, replaySupport: family.replay, approvalCapabilities: caps };
}

/** A plugin callback's failure as a reason; the host's wrapper already names the plugin in its message. */
function failure(plugin: string, doing: string, e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.includes(`plugin "${plugin}"`) ? text : `plugin "${plugin}" failed ${doing}: ${text}`;
}
