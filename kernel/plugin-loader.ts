import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_PLUGINS } from './builtin-plugins.ts';
import { ByteorError } from './errors.ts';
import type { PluginDefinition } from './plugin-contract.ts';
import { pluginError, type Kernel } from './plugin-host.ts';
import { importWithTimeout, pluginImportTimeoutMs } from './plugin-import-timeout.ts';
import { IS_DENO, kernelCopyFix } from './plugin-kernel-copy.ts';
import { provideKernelModules } from './plugin-module-resolution.ts';
import { KernelErrors } from './errors/kernel-errors.ts';

/**
 * Resolve `--plugin=NAME|PATH|PACKAGE` to an importable URL:
 * - a built-in name (`actiongraph`),
 * - a path (starts with `.` or `/`, or names an existing file or directory; a directory uses
 *   its package.json `exports`/`main`, else `index.{js,mjs,ts}`),
 * - a package name, found in `node_modules` walking up from `cwd`.
 */
export function resolvePluginSpecifier(spec: string, cwd = process.cwd()): string {
  if (Object.hasOwn(BUILTIN_PLUGINS, spec)) return BUILTIN_PLUGINS[spec]!;
  if (spec.startsWith('file:')) return spec;
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec) || spec.includes('\\');
  const asPath = resolve(cwd, spec);
  if (looksLikePath || existsSync(asPath)) {
    if (!existsSync(asPath)) throw notFound(spec, `no file or directory at ${asPath}`);
    return pathToFileURL(statSync(asPath).isDirectory() ? entryOfDirectory(asPath, spec, '.') : asPath).href;
  }
  const m = /^((?:@[^/]+\/)?[^/@][^/]*)(\/.*)?$/.exec(spec);
  if (!m) throw notFound(spec, 'it is not a built-in plugin name, a path or a package name');
  const [, pkgName, sub] = m;
  for (let dir = cwd; ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', pkgName!);
    if (existsSync(join(pkgDir, 'package.json')))
      return pathToFileURL(entryOfDirectory(pkgDir, spec, sub ? `.${sub}` : '.')).href;
    if (dirname(dir) === dir) break;
  }
  throw notFound(
    spec,
    `it is not a built-in plugin (${Object.keys(BUILTIN_PLUGINS).join(', ')}), not a path, and no package of ` +
      `that name is installed`,
  );
}

/** The package entry of a directory: package.json `exports` (subpath `sub`), then `main`, then index.{js,mjs,ts}. */
function entryOfDirectory(dir: string, spec: string, sub: string): string {
  const pj = join(dir, 'package.json');
  if (existsSync(pj)) {
    let pkg: { exports?: unknown; main?: string };
    try {
      pkg = JSON.parse(readFileSync(pj, 'utf8')) as { exports?: unknown; main?: string };
    } catch (e) {
      throw notFound(spec, `${pj} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (pkg.exports !== undefined && pkg.exports !== null) {
      const target = exportTarget(pkg.exports, sub, importConditions());
      if (!target) {
        throw notFound(
          spec,
          `${pj} "exports" has no entry for "${sub}" under the conditions ${[...importConditions()].join(', ')}`,
        );
      }
      return builtEntry(join(dir, target), dir, spec, `"exports"`);
    }
    if (sub !== '.') throw notFound(spec, `${pj} has no "exports", so subpath "${sub}" cannot be resolved`);
    if (pkg.main) return builtEntry(join(dir, pkg.main), dir, spec, `"main"`);
  } else if (sub !== '.') {
    throw notFound(spec, `${dir} has no package.json`);
  }
  for (const f of ['index.js', 'index.mjs', 'index.ts']) if (existsSync(join(dir, f))) return join(dir, f);
  throw notFound(spec, `directory ${dir} has no package.json entry and no index.js, index.mjs or index.ts`);
}

/** A package's entry file, which must exist: a package whose entry is missing has not been built. */
function builtEntry(file: string, dir: string, spec: string, field: string): string {
  if (existsSync(file)) return file;
  throw notFound(
    spec,
    `${join(dir, 'package.json')} ${field} names ${file}, which does not exist: the package is not built; run ` +
      `your build (npm run build) in ${dir}`,
  );
}

/**
 * The conditions this process resolves `import` with, as Node does: `node`, `import`, the ones
 * given with `--conditions`/`-C` (e.g. `source` in development), and `default`.
 */
export function importConditions(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): Set<string> {
  const conds = new Set(['node', 'import']);
  const args = [...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--conditions=')) conds.add(a.slice('--conditions='.length));
    else if ((a === '--conditions' || a === '-C') && args[i + 1]) conds.add(args[++i]!);
    else if (a.startsWith('-C') && a.length > 2) conds.add(a.slice(a[2] === '=' ? 3 : 2));
  }
  conds.add('default');
  return conds;
}

/** Node's PACKAGE_EXPORTS_RESOLVE for one subpath: condition keys are tried in their object order. */
function exportTarget(exp: unknown, sub: string, conditions: ReadonlySet<string>): string | undefined {
  let root: unknown = exp;
  if (exp && typeof exp === 'object' && !Array.isArray(exp)) {
    const keys = Object.keys(exp);
    if (keys.some((k) => k.startsWith('.'))) root = (exp as Record<string, unknown>)[sub];
    else if (sub !== '.') return undefined;
  } else if (sub !== '.') {
    return undefined;
  }
  return conditionalTarget(root, conditions);
}

function conditionalTarget(t: unknown, conditions: ReadonlySet<string>): string | undefined {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    for (const x of t) {
      const r = conditionalTarget(x, conditions);
      if (r) return r;
    }
    return undefined;
  }
  if (t && typeof t === 'object') {
    for (const [k, v] of Object.entries(t as Record<string, unknown>)) {
      if (!conditions.has(k)) continue;
      const r = conditionalTarget(v, conditions);
      if (r) return r;
    }
  }
  return undefined;
}

function notFound(spec: string, why: string): ByteorError {
  return KernelErrors.error('BYTEOR_E_PLUGIN_NOT_FOUND', `cannot load plugin "${spec}": ${why}`, { plugin: spec });
}

/** The built-in plugins' module URLs (a stage worker names its plugins by URL). */
const BUILTIN_URLS = new Set(Object.values(BUILTIN_PLUGINS));

/**
 * Import a plugin module (resolved from `spec`) and return its default export, unchecked. An
 * import that has not settled after `timeoutMs` is BYTEOR_E_PLUGIN_IMPORT_TIMEOUT.
 */
async function importPlugin(spec: string, cwd: string, timeoutMs: number): Promise<{ url: string; def: unknown }> {
  const url = resolvePluginSpecifier(spec, cwd);
  // Built-in plugins import the kernel by relative path; only a plugin from outside needs the
  // bare `byteor/plugin` mapped to this kernel (module.register starts Node's loader-hooks
  // thread: ~100 ms that a cold `validate` need not pay).
  if (!BUILTIN_URLS.has(url)) provideKernelModules();
  let mod: { default?: unknown };
  try {
    mod = await importWithTimeout(url, spec, timeoutMs);
  } catch (e) {
    if (e instanceof ByteorError && e.code === 'BYTEOR_E_PLUGIN_IMPORT_TIMEOUT') throw e;
    throw importError(spec, url, e);
  }
  if (mod.default === undefined) {
    throw pluginError(
      'BYTEOR_E_PLUGIN_INVALID',
      spec,
      'load',
      `plugin "${spec}" has no default export made with definePlugin({ name, version, apiVersion, setup })`,
    );
  }
  return { url, def: mod.default };
}

/**
 * Why a plugin module did not import, with the next step: a TypeScript file this runtime cannot
 * import (Node 20 without a TypeScript loader: the built CLI), `byteor/plugin` unresolvable under
 * Deno (no import map), or anything else (BYTEOR_E_PLUGIN_IMPORT).
 */
function importError(spec: string, url: string, e: unknown): ByteorError {
  const message = e instanceof Error ? e.message : String(e);
  if ((e as { code?: unknown })?.code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?ts$/.test(url)) {
    const err = KernelErrors.error(
      'BYTEOR_E_PLUGIN_TYPESCRIPT',
      `cannot import plugin "${spec}" (${url}): it is TypeScript, and Node ${process.versions.node} imports ` +
        `only JavaScript here; compile it (npm run build in its package, or tsc) and load the built .js or its ` +
        `package directory, whose package.json "exports" names the build`,
      { plugin: spec, hook: 'load' },
    );
    return Object.assign(err, { cause: e });
  }
  if (IS_DENO && /["'`]byteor(\/plugin)?["'`]/.test(message)) {
    return pluginError(
      'BYTEOR_E_PLUGIN_IMPORT',
      spec,
      'load',
      `cannot import plugin "${spec}" (${url}): Deno cannot resolve byteor from the plugin (` +
        `${message.split('\n')[0]}); ${kernelCopyFix()}`,
      e,
    );
  }
  return pluginError('BYTEOR_E_PLUGIN_IMPORT', spec, 'load', `cannot import plugin "${spec}" (${url}): ${message}`, e);
}

/** Import a plugin module and install its default export into the kernel. */
export async function loadPlugin(kernel: Kernel, spec: string, cwd = process.cwd()): Promise<void> {
  await loadPlugins(kernel, [spec], cwd);
}

/**
 * Import every plugin, then install them in the given order, except that a plugin waits until
 * the plugins named in its `dependencies` are installed (a stable topological order). The
 * order that results is `kernel.pluginSpecifiers`, which stage workers replay exactly. A
 * dependency that is neither loaded nor in the list, or a dependency cycle, is an error naming
 * the plugin.
 */
export async function loadPlugins(kernel: Kernel, specs: readonly string[], cwd = process.cwd()): Promise<void> {
  const pending: Array<{ spec: string; url: string; def: unknown }> = [];
  let timeoutMs: number | undefined;
  for (const spec of specs) {
    const url = resolvePluginSpecifier(spec, cwd);
    if (kernel.pluginSpecifiers.includes(url) || pending.some((p) => p.url === url)) continue;
    timeoutMs ??= pluginImportTimeoutMs();
    pending.push({ spec, ...(await importPlugin(spec, cwd, timeoutMs)) });
  }
  const nameOf = (def: unknown) =>
    def && typeof def === 'object' && typeof (def as { name?: unknown }).name === 'string'
      ? (def as { name: string }).name
      : undefined;
  const depsOf = (def: unknown) => {
    const d = def && typeof def === 'object' ? (def as { dependencies?: unknown }).dependencies : undefined;
    if (Array.isArray(d)) return d.filter((x): x is string => typeof x === 'string');
    return d && typeof d === 'object' ? Object.keys(d) : [];
  };
  while (pending.length) {
    const waitingFor = new Set(pending.map((p) => nameOf(p.def)).filter((n): n is string => n !== undefined));
    // the first plugin (in the given order) none of whose dependencies is still waiting
    const idx = pending.findIndex((p) => depsOf(p.def).every((d) => !waitingFor.has(d) || d === nameOf(p.def)));
    if (idx < 0) {
      const names = pending.map((p) => nameOf(p.def) ?? p.spec);
      throw pluginError(
        'BYTEOR_E_PLUGIN_DEPENDENCY_CYCLE',
        names[0]!,
        'load',
        `plugins ${names.map((n) => `"${n}"`).join(', ')} depend on each other in a cycle; break the cycle`,
        undefined,
        { plugins: names },
      );
    }
    const [next] = pending.splice(idx, 1);
    kernel.install(next!.def as PluginDefinition, next!.url);
  }
}
