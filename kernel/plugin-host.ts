import { createHookTable, type HookTable } from './hooks.ts';
import { ByteorError } from './errors.ts';
import { ExitCode } from './exit-codes.ts';
import {
  PLUGIN_API_VERSION, type AdapterFactory, type BundleArtifact, type VerbExtension, type PluginDefinition, type PluginHost,
  type SnapshotSection, type StageFamily, type VerbDefinition,
} from './plugin-api.ts';

type Owned<T> = { plugin: string } & T;

/**
 * The kernel's registries and hook table. Plugins are set up in a staging area: everything a
 * plugin registers or taps is buffered and committed only when its setup returns, so a plugin
 * that throws leaves nothing behind (the kernel is never half-initialised).
 */
export class Kernel implements PluginHost {
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly hooks: HookTable = createHookTable();
  readonly inWorker: boolean;
  private readonly _verbs = new Map<string, Owned<{ verb: VerbDefinition<any> }>>();
  private readonly _verbExt = new Map<string, Owned<{ ext: VerbExtension<any> }>[]>();
  private readonly _exactStages = new Map<string, Owned<{ family: StageFamily }>>();
  private readonly _prefixStages: Owned<{ family: StageFamily }>[] = [];
  private readonly _adapters = new Map<string, Owned<{ adapter: AdapterFactory }>>();
  private readonly _sections = new Map<string, Owned<{ section: SnapshotSection }>>();
  private readonly _artifacts = new Map<string, Owned<{ artifact: BundleArtifact }>>();
  private readonly _plugins = new Map<string, { def: PluginDefinition; specifier: string }>();
  private readonly _specifiers: string[] = [];

  constructor(opts: { inWorker?: boolean } = {}) {
    this.inWorker = opts.inWorker ?? false;
  }

  get pluginSpecifiers(): readonly string[] { return this._specifiers; }
  get plugins(): ReadonlyArray<{ name: string; version: string; specifier: string }> {
    return [...this._plugins.values()].map((p) => ({ name: p.def.name, version: p.def.version, specifier: p.specifier }));
  }
  hasPlugin(name: string): boolean { return this._plugins.has(name); }

  /** Install one plugin definition (already imported). Throws a ByteorError naming the plugin. */
  install(def: PluginDefinition, specifier: string): void {
    if (this._plugins.has(def.name)) return; // loading the same plugin twice is a no-op
    if (def.apiVersion !== PLUGIN_API_VERSION) {
      throw pluginError('BYTEOR_E_PLUGIN_API_VERSION', def.name, 'load',
        `plugin "${def.name}" was written for plugin API version ${def.apiVersion}, but this kernel provides version ${PLUGIN_API_VERSION}; install a version of the plugin built for API ${PLUGIN_API_VERSION}`);
    }
    for (const dep of def.dependencies ?? []) {
      if (!this._plugins.has(dep)) {
        throw pluginError('BYTEOR_E_PLUGIN_DEPENDENCY', def.name, 'load',
          `plugin "${def.name}" depends on plugin "${dep}", which is not loaded; load it first with --plugin=${dep}`);
      }
    }
    const staged = new Staging(this, def.name);
    try {
      def.setup(staged.host);
    } catch (e) {
      throw pluginError('BYTEOR_E_PLUGIN_SETUP', def.name, 'setup', `plugin "${def.name}" failed in setup: ${errText(e)}`, e);
    }
    staged.commit();
    this._plugins.set(def.name, { def, specifier });
    this._specifiers.push(specifier);
  }

  // -- PluginHost registration (direct, used by Staging.commit) --------------------------------
  registerVerb(verb: VerbDefinition<any>, plugin = '(kernel)'): void { this._verbs.set(verb.name, { verb, plugin }); }
  extendVerb(ext: VerbExtension<any>, plugin = '(kernel)'): void {
    const list = this._verbExt.get(ext.verb) ?? [];
    list.push({ ext, plugin });
    this._verbExt.set(ext.verb, list);
  }
  verbExtensions(verb: string) { return this._verbExt.get(verb) ?? []; }
  registerStage(family: StageFamily, plugin = '(kernel)'): void {
    if (family.key) this._exactStages.set(family.key, { family, plugin });
    else this._prefixStages.push({ family, plugin });
  }
  registerAdapter(adapter: AdapterFactory, plugin = '(kernel)'): void { this._adapters.set(adapter.kind, { adapter, plugin }); }
  registerSnapshotSection(section: SnapshotSection, plugin = '(kernel)'): void { this._sections.set(section.name, { section, plugin }); }
  registerBundleArtifact(artifact: BundleArtifact, plugin = '(kernel)'): void { this._artifacts.set(artifact.file, { artifact, plugin }); }

  resolveStage(key: string) {
    const exact = this._exactStages.get(key);
    if (exact) return { family: exact.family, plugin: exact.plugin, argument: '' };
    let best: Owned<{ family: StageFamily }> | undefined;
    for (const p of this._prefixStages) {
      if (key.startsWith(p.family.prefix!) && (!best || p.family.prefix!.length > best.family.prefix!.length)) best = p;
    }
    return best ? { family: best.family, plugin: best.plugin, argument: key.slice(best.family.prefix!.length) } : undefined;
  }

  verb(name: string) { return this._verbs.get(name); }
  verbs() { return [...this._verbs.values()].sort((a, b) => a.verb.name.localeCompare(b.verb.name)); }
  stages() { return [...this._exactStages.values(), ...this._prefixStages]; }
  adapter(kind: string) { return this._adapters.get(kind); }
  adapters() { return [...this._adapters.values()]; }
  snapshotSections() { return [...this._sections.values()]; }
  bundleArtifacts() { return [...this._artifacts.values()]; }

  /** used by Staging to detect duplicates against committed registrations */
  owners() {
    return { verbs: this._verbs, exact: this._exactStages, prefix: this._prefixStages, adapters: this._adapters, sections: this._sections, artifacts: this._artifacts };
  }
}

function errText(e: unknown): string { return e instanceof Error ? e.message : String(e); }

export function pluginError(code: string, plugin: string, hook: string, message: string, cause?: unknown): ByteorError {
  const err = new ByteorError(code, message, ExitCode.RUNTIME_FAILURE, { plugin, hook });
  if (cause !== undefined) (err as Error & { cause?: unknown }).cause = cause;
  return err;
}

type TapMethod = 'tap' | 'tapAsync' | 'tapPromise';

/**
 * A staging host for one plugin's setup: registrations and taps are buffered, duplicates are
 * refused with the plugin's name, and every tapped function is wrapped so that a throw names
 * the plugin and the hook.
 */
class Staging {
  private readonly ops: Array<() => void> = [];
  private readonly newStageKeys = new Set<string>();
  readonly host: PluginHost;

  constructor(private readonly kernel: Kernel, private readonly plugin: string) {
    const hooks: Record<string, unknown> = {};
    for (const [hookName, hook] of Object.entries(kernel.hooks)) {
      const proxy: Record<string, unknown> = {};
      for (const m of ['tap', 'tapAsync', 'tapPromise'] as TapMethod[]) {
        proxy[m] = (opts: string | { name: string }, fn: (...a: unknown[]) => unknown) => {
          const wrapped = wrapTap(m, plugin, hookName, fn);
          this.ops.push(() => (hook as any)[m](opts, wrapped));
        };
      }
      proxy.intercept = () => { throw pluginError('BYTEOR_E_PLUGIN_HOOK', plugin, hookName, `plugin "${plugin}" may tap hook "${hookName}" but not intercept it`); };
      hooks[hookName] = Object.freeze(proxy);
    }
    const k = kernel;
    const dup = (what: string, name: string, owner: string) => pluginError('BYTEOR_E_PLUGIN_DUPLICATE', plugin, 'setup',
      `plugin "${plugin}" registers ${what} "${name}", which plugin "${owner}" already provides; load only one of them`);
    this.host = {
      apiVersion: k.apiVersion,
      hooks: Object.freeze(hooks) as unknown as HookTable,
      inWorker: k.inWorker,
      pluginSpecifiers: k.pluginSpecifiers,
      registerVerb: (verb) => {
        const o = k.owners().verbs.get(verb.name); if (o) throw dup('verb', verb.name, o.plugin);
        this.ops.push(() => k.registerVerb(verb, plugin));
      },
      extendVerb: (ext) => {
        for (const flag of Object.keys(ext.options)) {
          const o = k.verbExtensions(ext.verb).find((e) => flag in e.ext.options);
          if (o) throw dup(`flag --${flag} of verb`, ext.verb, o.plugin);
        }
        this.ops.push(() => k.extendVerb(ext, plugin));
      },
      registerStage: (family) => {
        if ((family.key === undefined) === (family.prefix === undefined)) {
          throw pluginError('BYTEOR_E_PLUGIN_STAGE', plugin, 'setup', `plugin "${plugin}" registers a stage family that must have exactly one of "key" or "prefix"`);
        }
        const id = family.key ?? family.prefix!;
        const o = family.key ? k.owners().exact.get(family.key) : k.owners().prefix.find((p) => p.family.prefix === family.prefix);
        if (o) throw dup('stage key', id, o.plugin);
        if (this.newStageKeys.has(id)) throw dup('stage key', id, plugin);
        this.newStageKeys.add(id);
        this.ops.push(() => k.registerStage(family, plugin));
      },
      registerAdapter: (a) => {
        const o = k.owners().adapters.get(a.kind); if (o) throw dup('adapter kind', a.kind, o.plugin);
        this.ops.push(() => k.registerAdapter(a, plugin));
      },
      registerSnapshotSection: (s) => {
        const o = k.owners().sections.get(s.name); if (o) throw dup('snapshot section', s.name, o.plugin);
        this.ops.push(() => k.registerSnapshotSection(s, plugin));
      },
      registerBundleArtifact: (a) => {
        const o = k.owners().artifacts.get(a.file); if (o) throw dup('bundle artifact', a.file, o.plugin);
        this.ops.push(() => k.registerBundleArtifact(a, plugin));
      },
      resolveStage: (key) => k.resolveStage(key),
      verbs: () => k.verbs(),
      verbExtensions: (v) => k.verbExtensions(v),
      stages: () => k.stages(),
      adapters: () => k.adapters(),
      snapshotSections: () => k.snapshotSections(),
      bundleArtifacts: () => k.bundleArtifacts(),
    };
  }

  commit(): void { for (const op of this.ops) op(); }
}

function wrapTap(method: TapMethod, plugin: string, hook: string, fn: (...a: unknown[]) => unknown) {
  const fail = (e: unknown) => {
    if (e instanceof ByteorError) {
      // keep the plugin's own code and exit status (e.g. a policy refusal is exit 4), add who and where
      const details = { plugin, hook, ...(e.details ?? {}) };
      return Object.assign(e, { details });
    }
    return pluginError('BYTEOR_E_PLUGIN_HOOK', plugin, hook, `plugin "${plugin}" failed in hook "${hook}": ${errText(e)}`, e);
  };
  if (method === 'tapPromise') {
    return async (...args: unknown[]) => { try { return await fn(...args); } catch (e) { throw fail(e); } };
  }
  if (method === 'tapAsync') {
    return (...args: unknown[]) => {
      const cb = args[args.length - 1] as (err?: unknown, r?: unknown) => void;
      try { fn(...args.slice(0, -1), (err?: unknown, r?: unknown) => cb(err ? fail(err) : undefined, r)); } catch (e) { cb(fail(e)); }
    };
  }
  return (...args: unknown[]) => { try { return fn(...args); } catch (e) { throw fail(e); } };
}
