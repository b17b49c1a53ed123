import { createHookTable, type HookTable, type TapOnly } from './hooks.ts';
import { ByteorError, isByteorError } from './errors.ts';
import { GLOBAL_OPTIONS } from './global-options.ts';
import { isFlagSet, type FlagOption } from './flags.ts';
import { checkPluginDefinition } from './plugin-definition.ts';
import { PluginRegistries, type Owned } from './plugin-registries.ts';
import { versionSatisfies } from './plugin-dependency-range.ts';
import {
  dependencyNames,
  PLUGIN_API_VERSION,
  type AdapterFactory,
  type BundleArtifact,
  type VerbExtension,
  type PluginDefinition,
  type PluginHost,
  type LoadedPlugin,
  type KernelHost,
  type SnapshotSection,
  type StageFamily,
  type VerbDefinition,
} from './plugin-contract.ts';
import { KernelErrors, type KernelErrorCode } from './errors/kernel-errors.ts';
import type { ErrorTable } from './errors/define-errors.ts';
import type { ExitCodeValue } from './exit-codes.ts';

/**
 * The kernel's registries and hook table. Plugins are set up in a staging area: everything a
 * plugin registers or taps is buffered and committed only when its setup returns, so a plugin
 * that throws leaves nothing behind (the kernel is never half-initialised).
 *
 * Every failure a plugin causes names the plugin and the hook (`details.plugin`,
 * `details.hook`): its setup, a tapped hook, or a callback it registered (a stage family's
 * `check`/`capabilities`/`create`, an adapter factory, a snapshot section's `collect`, a bundle
 * artifact's `write`).
 */
export class Kernel implements KernelHost {
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly hooks: HookTable = createHookTable();
  readonly inWorker: boolean;
  private readonly reg = new PluginRegistries();
  private readonly _plugins = new Map<string, { def: PluginDefinition; specifier: string }>();
  private readonly _specifiers: string[] = [];
  /** every registered error code → the owner that registered it first and its exit code */
  private readonly _errorCodes = new Map<string, { owner: string; exit: ExitCodeValue }>();

  constructor(opts: { inWorker?: boolean } = {}) {
    this.inWorker = opts.inWorker ?? false;
    this.registerErrors(KernelErrors);
  }

  /** The owner and exit code registered for an error code (the kernel's table, then each plugin's). */
  errorCode(code: string): { owner: string; exit: ExitCodeValue } | undefined {
    return this._errorCodes.get(code);
  }

  private registerErrors(table: ErrorTable): void {
    for (const [code, entry] of Object.entries(table.entries)) {
      if (!this._errorCodes.has(code)) this._errorCodes.set(code, { owner: table.owner, exit: entry.exit });
    }
  }

  /** A plugin's table may repeat a registered code only with the same exit code. */
  private checkErrors(plugin: string, table: ErrorTable): void {
    for (const [code, entry] of Object.entries(table.entries)) {
      const have = this._errorCodes.get(code);
      if (have && have.exit !== entry.exit) {
        throw pluginError(
          'BYTEOR_E_PLUGIN_ERROR_CODE_CONFLICT',
          plugin,
          'load',
          `plugin "${plugin}" declares error code ${code} with exit code ${entry.exit}, but "${have.owner}" ` +
            `already registered it with exit code ${have.exit}; a code has one exit code: use the registered one, ` +
            `or give the plugin's error a code of its own`,
          undefined,
          { code, exit: entry.exit, owner: have.owner, registered_exit: have.exit },
        );
      }
    }
  }

  get pluginSpecifiers(): readonly string[] {
    return this._specifiers;
  }
  get plugins(): ReadonlyArray<LoadedPlugin> {
    return [...this._plugins.values()].map((p) => ({
      name: p.def.name,
      version: p.def.version,
      specifier: p.specifier,
      dependencies: dependencyNames(p.def.dependencies),
    }));
  }
  hasPlugin(name: string): boolean {
    return this._plugins.has(name);
  }

  /**
   * Install one plugin definition (already imported): check its shape and API version, check
   * that its dependencies are installed, run its setup in a staging area and commit what it
   * registered. Throws a ByteorError naming the plugin and the hook; on a throw nothing of the
   * plugin is left in the kernel. Installing the same plugin again (the same URL, or the very
   * same definition) is a no-op; a different plugin with the name of a loaded one is refused
   * (BYTEOR_E_PLUGIN_DUPLICATE naming both specifiers), never silently ignored.
   */
  install(def: PluginDefinition, specifier: string): void {
    const checked = checkPluginDefinition(def, specifier);
    const loaded = this._plugins.get(checked.name);
    if (loaded) {
      if (loaded.specifier === specifier || loaded.def === checked) return;
      throw pluginError(
        'BYTEOR_E_PLUGIN_DUPLICATE',
        checked.name,
        'load',
        `plugin "${checked.name}" from ${specifier} has the name of the plugin "${checked.name}" already loaded ` +
          `from ${loaded.specifier}; two plugins cannot share a name: load only one of them (or rename one)`,
        undefined,
        { conflict: checked.name, specifier, loaded_specifier: loaded.specifier },
      );
    }
    const ranges =
      checked.dependencies && !Array.isArray(checked.dependencies)
        ? (checked.dependencies as Record<string, string>)
        : {};
    for (const dep of dependencyNames(checked.dependencies)) {
      const have = this._plugins.get(dep);
      if (!have) {
        throw pluginError(
          'BYTEOR_E_PLUGIN_DEPENDENCY',
          checked.name,
          'load',
          `plugin "${checked.name}" depends on plugin "${dep}"${ranges[dep] ? ` ${ranges[dep]}` : ''}, which is ` +
            `not loaded; load it too with --plugin=${dep} (before "${checked.name}")`,
          undefined,
          { dependency: dep },
        );
      }
      const range = ranges[dep];
      if (range !== undefined && !versionSatisfies(have.def.version, range)) {
        throw pluginError(
          'BYTEOR_E_PLUGIN_DEPENDENCY_VERSION',
          checked.name,
          'load',
          `plugin "${checked.name}" ${checked.version} needs plugin "${dep}" ${range}, but version ` +
            `${have.def.version} is loaded (${have.specifier}); install a version of "${dep}" that satisfies ` +
            `${range}, or a version of "${checked.name}" that accepts ${have.def.version}`,
          undefined,
          { dependency: dep, range, loaded_version: have.def.version },
        );
      }
    }
    if (checked.errors) this.checkErrors(checked.name, checked.errors);
    const staged = new Staging(this, this.reg, checked.name);
    let result: unknown;
    try {
      result = checked.setup(staged.host);
    } catch (e) {
      staged.close();
      // already names plugin + hook
      if (isByteorError(e) && (e.details as { plugin?: unknown } | undefined)?.plugin === checked.name) throw e;
      throw pluginError(
        'BYTEOR_E_PLUGIN_SETUP',
        checked.name,
        'setup',
        `plugin "${checked.name}" failed in setup: ${errText(e)}`,
        e,
      );
    }
    if (result !== undefined && typeof (result as PromiseLike<unknown>)?.then === 'function') {
      staged.close();
      (result as Promise<unknown>).then(undefined, () => {
        /* reported below; never an unhandled rejection */
      });
      throw pluginError(
        'BYTEOR_E_PLUGIN_SETUP_ASYNC',
        checked.name,
        'setup',
        `plugin "${checked.name}" has an async setup; setup must register everything synchronously (do ` +
          `asynchronous work in hooks such as runStarting)`,
      );
    }
    staged.commit();
    if (checked.errors) this.registerErrors(checked.errors);
    this._plugins.set(checked.name, { def: checked, specifier });
    this._specifiers.push(specifier);
  }

  // -- PluginHost registration outside a plugin's setup (the kernel's own, tests, embedding):
  // the same checks as a plugin's (duplicates, flag clashes, stage family shape) and the same
  // wrapping of callbacks, owned by "(kernel)", committed at once
  registerVerb(verb: VerbDefinition<any>): void {
    this.direct((h) => h.registerVerb(verb));
  }
  extendVerb(ext: VerbExtension<any>): void {
    this.direct((h) => h.extendVerb(ext));
  }
  registerStage(family: StageFamily): void {
    this.direct((h) => h.registerStage(family));
  }
  registerAdapter(adapter: AdapterFactory): void {
    this.direct((h) => h.registerAdapter(adapter));
  }
  registerSnapshotSection(section: SnapshotSection): void {
    this.direct((h) => h.registerSnapshotSection(section));
  }
  registerBundleArtifact(artifact: BundleArtifact): void {
    this.direct((h) => h.registerBundleArtifact(artifact));
  }

  private direct(register: (host: PluginHost) => void): void {
    const staged = new Staging(this, this.reg, KERNEL_OWNER);
    try {
      register(staged.host);
    } catch (e) {
      staged.close();
      throw e;
    }
    staged.commit();
  }

  verbExtensions(verb: string) {
    return this.reg.verbExt.get(verb) ?? [];
  }

  resolveStage(key: string) {
    const exact = this.reg.exact.get(key);
    if (exact) return { family: exact.family, plugin: exact.plugin, argument: '' };
    let best: Owned<{ family: StageFamily }> | undefined;
    for (const p of this.reg.prefix) {
      if (key.startsWith(p.family.prefix!) && (!best || p.family.prefix!.length > best.family.prefix!.length)) best = p;
    }
    return best
      ? { family: best.family, plugin: best.plugin, argument: key.slice(best.family.prefix!.length) }
      : undefined;
  }

  verb(name: string) {
    return this.reg.verbs.get(name);
  }
  verbs() {
    return [...this.reg.verbs.values()].sort((a, b) => a.verb.name.localeCompare(b.verb.name));
  }
  stages() {
    return [...this.reg.exact.values(), ...this.reg.prefix];
  }
  adapter(kind: string) {
    return this.reg.adapters.get(kind);
  }
  adapters() {
    return [...this.reg.adapters.values()];
  }
  snapshotSections() {
    return [...this.reg.sections.values()];
  }
  bundleArtifacts() {
    return [...this.reg.artifacts.values()];
  }
}

/** The owner of what is registered on the Kernel directly, outside a plugin's setup. */
export const KERNEL_OWNER = '(kernel)';

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function pluginError(
  code: KernelErrorCode,
  plugin: string,
  hook: string,
  message: string,
  cause?: unknown,
  extra?: Record<string, unknown>,
): ByteorError {
  const err = KernelErrors.error(code, message, { plugin, hook, ...(extra ?? {}) });
  if (cause !== undefined) (err as Error & { cause?: unknown }).cause = cause;
  return err;
}

/**
 * Name the plugin and hook on an error a plugin's code threw. A ByteorError keeps its own code
 * and exit status (a policy refusal stays exit 4); anything else becomes BYTEOR_E_PLUGIN_HOOK.
 */
function blame(e: unknown, plugin: string, hook: string): ByteorError {
  if (isByteorError(e)) {
    const details = { plugin, hook, ...(e.details ?? {}) };
    return Object.assign(e, { details });
  }
  return pluginError(
    'BYTEOR_E_PLUGIN_HOOK',
    plugin,
    hook,
    `plugin "${plugin}" failed in hook "${hook}": ${errText(e)}`,
    e,
  );
}

/** Wrap a registered callback (sync or async) so that its failures name the plugin and hook. */
function guarded<A extends unknown[], R>(plugin: string, hook: string, fn: (...a: A) => R): (...a: A) => R {
  return (...args: A): R => {
    let r: R;
    try {
      r = fn(...args);
    } catch (e) {
      throw blame(e, plugin, hook);
    }
    if (r !== null && typeof r === 'object' && typeof (r as unknown as PromiseLike<unknown>).then === 'function') {
      return Promise.resolve(r).catch((e: unknown) => {
        throw blame(e, plugin, hook);
      }) as R;
    }
    return r;
  };
}

type TapMethod = 'tap' | 'tapAsync' | 'tapPromise';

/**
 * A staging host for one plugin's setup: registrations and taps are buffered, duplicates are
 * refused with the plugin's name (against committed plugins and within the plugin itself),
 * every tapped function and registered callback is wrapped so that a throw names the plugin and
 * the hook, and the host refuses registrations once setup has returned.
 */
class Staging {
  private readonly ops: Array<() => void> = [];
  private closed = false;
  private readonly mine = {
    verbs: new Set<string>(),
    stageKeys: new Set<string>(),
    adapters: new Set<string>(),
    sections: new Set<string>(),
    artifacts: new Set<string>(),
    /** verb → the options this plugin declares for it (its own verb's and its extensions') */
    flags: new Map<string, Array<Record<string, FlagOption>>>(),
  };
  readonly host: PluginHost;

  constructor(kernel: Kernel, reg: PluginRegistries, plugin: string) {
    const open = (what: string) => {
      if (this.closed) {
        throw pluginError(
          'BYTEOR_E_PLUGIN_LATE_REGISTRATION',
          plugin,
          'setup',
          `plugin "${plugin}" tried to ${what} after its setup returned; register everything synchronously ` +
            `inside setup(host)`,
        );
      }
    };
    const hooks: Record<string, unknown> = {};
    for (const [hookName, hook] of Object.entries(kernel.hooks)) {
      const proxy: Record<string, unknown> = {};
      for (const m of ['tap', 'tapAsync', 'tapPromise'] as TapMethod[]) {
        if (typeof (hook as unknown as Record<string, unknown>)[m] !== 'function') continue;
        proxy[m] = (opts: string | { name: string }, fn: (...a: unknown[]) => unknown) => {
          open(`tap hook "${hookName}"`);
          if (typeof fn !== 'function')
            throw pluginError(
              'BYTEOR_E_PLUGIN_HOOK',
              plugin,
              hookName,
              `plugin "${plugin}" tapped hook "${hookName}" without a function`,
            );
          const wrapped = wrapTap(m, plugin, hookName, fn);
          this.ops.push(() => (hook as any)[m](opts, wrapped));
        };
      }
      proxy.intercept = () => {
        throw pluginError(
          'BYTEOR_E_PLUGIN_HOOK',
          plugin,
          hookName,
          `plugin "${plugin}" may tap hook "${hookName}" but not intercept it`,
        );
      };
      hooks[hookName] = Object.freeze(proxy);
    }
    const k = kernel;
    const dup = (what: string, name: string, owner: string) =>
      pluginError(
        'BYTEOR_E_PLUGIN_DUPLICATE',
        plugin,
        'setup',
        owner === plugin
          ? `plugin "${plugin}" registers ${what} "${name}" twice; register it once`
          : `plugin "${plugin}" registers ${what} "${name}", which plugin "${owner}" already provides; load only ` +
              `one of them`,
        undefined,
        { conflict: name, owner },
      );
    const claim = (set: Set<string>, what: string, name: string) => {
      if (set.has(name)) throw dup(what, name, plugin);
      set.add(name);
    };
    /**
     * A verb's flags are its own options plus its extensions', from whichever plugin registers
     * first: checked against the global flags, the committed verb and extensions, and what this
     * plugin has staged, by long name and by short letter, so that a clash is refused when the
     * second of the two registers (not when a command line is parsed).
     */
    const claimFlags = (verbName: string, options: Record<string, FlagOption>) => {
      const flagDup = (flag: string, owner: string) =>
        pluginError(
          'BYTEOR_E_PLUGIN_DUPLICATE',
          plugin,
          'setup',
          owner === plugin
            ? `plugin "${plugin}" registers flag "${flag} of verb ${verbName}" twice; register it once`
            : `plugin "${plugin}" registers flag ${flag} of verb "${verbName}", which plugin "${owner}" already ` +
                `provides; rename one of them or load only one of the plugins`,
          undefined,
          { conflict: flag, verb: verbName, owner },
        );
      const taken: Array<{ name: string; short?: string; owner: string }> = [];
      const take = (opts: Record<string, FlagOption>, owner: string) => {
        for (const [name, o] of Object.entries(opts))
          taken.push({ name, ...(o.short ? { short: o.short } : {}), owner });
      };
      const v = k.verb(verbName);
      if (v) take(v.verb.flags.options, v.plugin);
      for (const e of k.verbExtensions(verbName)) take(e.ext.flags.options, e.plugin);
      for (const opts of this.mine.flags.get(verbName) ?? []) take(opts, plugin);
      for (const [name, o] of Object.entries(options ?? {})) {
        const global = Object.hasOwn(GLOBAL_OPTIONS, name)
          ? `--${name}`
          : o.short && Object.values(GLOBAL_OPTIONS).some((g) => g.short === o.short)
            ? `-${o.short}`
            : undefined;
        if (global) {
          throw pluginError(
            'BYTEOR_E_PLUGIN_DUPLICATE',
            plugin,
            'setup',
            `plugin "${plugin}" adds flag ${global} to verb "${verbName}", which already has it: ${global} is a ` +
              `global flag of every verb; rename the flag`,
            undefined,
            { conflict: global, verb: verbName, owner: '(global flags)' },
          );
        }
        const byName = taken.find((t) => t.name === name);
        if (byName) throw flagDup(`--${name}`, byName.owner);
        const byShort = o.short ? taken.find((t) => t.short === o.short) : undefined;
        if (byShort) throw flagDup(`-${o.short}`, byShort.owner);
        taken.push({ name, ...(o.short ? { short: o.short } : {}), owner: plugin });
      }
      const list = this.mine.flags.get(verbName) ?? [];
      list.push(options ?? {});
      this.mine.flags.set(verbName, list);
    };
    /** a verb's or an extension's flags must come from flags({...}) (one declaration each) */
    const flagOptions = (what: string, set: unknown): Record<string, FlagOption> => {
      if (!isFlagSet(set)) {
        throw pluginError(
          'BYTEOR_E_PLUGIN_INVALID',
          plugin,
          'setup',
          `plugin "${plugin}" declares the flags of ${what} without flags({...}): give "flags: flags({ name: ` +
            `flag.string({ value, description }), ... })" (imported from byteor/plugin) instead of "options" and ` +
            `"schema"`,
        );
      }
      return set.options;
    };
    this.host = {
      apiVersion: k.apiVersion,
      hooks: Object.freeze(hooks) as TapOnly<HookTable>,
      inWorker: k.inWorker,
      get pluginSpecifiers() {
        return k.pluginSpecifiers;
      },
      get plugins() {
        return k.plugins;
      },
      registerVerb: (verb) => {
        open(`register verb "${verb?.name}"`);
        const o = reg.verbs.get(verb.name);
        if (o) throw dup('verb', verb.name, o.plugin);
        claim(this.mine.verbs, 'verb', verb.name);
        claimFlags(verb.name, flagOptions(`verb "${verb.name}"`, verb.flags));
        this.ops.push(() => reg.addVerb(verb, plugin));
      },
      extendVerb: (ext) => {
        open(`extend verb "${ext?.verb}"`);
        claimFlags(ext.verb, flagOptions(`its extension of verb "${ext.verb}"`, ext.flags));
        this.ops.push(() => reg.addVerbExtension(ext, plugin));
      },
      registerStage: (family) => {
        open('register a stage family');
        if ((family.key === undefined) === (family.prefix === undefined)) {
          throw pluginError(
            'BYTEOR_E_PLUGIN_STAGE',
            plugin,
            'setup',
            `plugin "${plugin}" registers a stage family that must have exactly one of "key" or "prefix"`,
          );
        }
        const id = family.key ?? family.prefix!;
        if (id.length === 0)
          throw pluginError(
            'BYTEOR_E_PLUGIN_STAGE',
            plugin,
            'setup',
            `plugin "${plugin}" registers a stage family with an empty ${family.key !== undefined ? 'key' : 'prefix'}`,
          );
        if (typeof family.create !== 'function')
          throw pluginError(
            'BYTEOR_E_PLUGIN_STAGE',
            plugin,
            'setup',
            `plugin "${plugin}" registers stage family "${id}" without a create(ctx) function`,
          );
        const o =
          family.key !== undefined
            ? reg.exact.get(family.key)
            : reg.prefix.find((p) => p.family.prefix === family.prefix);
        if (o) throw dup('stage key', id, o.plugin);
        claim(this.mine.stageKeys, 'stage key', id);
        const hook = (m: string) => `stage ${id} ${m}`;
        const wrappedFamily: StageFamily = {
          ...family,
          create: guarded(plugin, hook('create'), family.create),
          ...(family.check ? { check: guarded(plugin, hook('check'), family.check) } : {}),
          ...(family.capabilities ? { capabilities: guarded(plugin, hook('capabilities'), family.capabilities) } : {}),
        };
        this.ops.push(() => reg.addStage(Object.freeze(wrappedFamily), plugin));
      },
      registerAdapter: (a) => {
        open(`register adapter "${a?.kind}"`);
        const o = reg.adapters.get(a.kind);
        if (o) throw dup('adapter kind', a.kind, o.plugin);
        claim(this.mine.adapters, 'adapter kind', a.kind);
        const wrapped: AdapterFactory = {
          ...a,
          ...(a.ingress ? { ingress: guarded(plugin, `adapter ${a.kind} ingress`, a.ingress) } : {}),
          ...(a.egress ? { egress: guarded(plugin, `adapter ${a.kind} egress`, a.egress) } : {}),
        };
        this.ops.push(() => reg.addAdapter(Object.freeze(wrapped), plugin));
      },
      registerSnapshotSection: (s) => {
        open(`register snapshot section "${s?.name}"`);
        const o = reg.sections.get(s.name);
        if (o) throw dup('snapshot section', s.name, o.plugin);
        claim(this.mine.sections, 'snapshot section', s.name);
        const wrapped: SnapshotSection = {
          ...s,
          collect: guarded(plugin, `snapshot section ${s.name} collect`, s.collect),
        };
        this.ops.push(() => reg.addSnapshotSection(Object.freeze(wrapped), plugin));
      },
      registerBundleArtifact: (a) => {
        open(`register bundle artifact "${a?.file}"`);
        const o = reg.artifacts.get(a.file);
        if (o) throw dup('bundle artifact', a.file, o.plugin);
        claim(this.mine.artifacts, 'bundle artifact', a.file);
        const wrapped: BundleArtifact = { ...a, write: guarded(plugin, `bundle artifact ${a.file} write`, a.write) };
        this.ops.push(() => reg.addBundleArtifact(Object.freeze(wrapped), plugin));
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

  /** Commit the buffered registrations and taps; the staging host refuses any further use. */
  commit(): void {
    this.closed = true;
    for (const op of this.ops) op();
    this.ops.length = 0;
  }

  /** Discard everything (setup failed); the staging host refuses any further use. */
  close(): void {
    this.closed = true;
    this.ops.length = 0;
  }
}

function wrapTap(method: TapMethod, plugin: string, hook: string, fn: (...a: unknown[]) => unknown) {
  const fail = (e: unknown) => blame(e, plugin, hook);
  if (method === 'tapPromise') {
    return async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        throw fail(e);
      }
    };
  }
  if (method === 'tapAsync') {
    return (...args: unknown[]) => {
      const cb = args[args.length - 1] as (err?: unknown, r?: unknown) => void;
      try {
        fn(...args.slice(0, -1), (err?: unknown, r?: unknown) => cb(err ? fail(err) : undefined, r));
      } catch (e) {
        cb(fail(e));
      }
    };
  }
  return (...args: unknown[]) => {
    try {
      return fn(...args);
    } catch (e) {
      throw fail(e);
    }
  };
}
