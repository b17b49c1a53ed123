import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_PLUGINS } from './builtin-plugins.ts';
import { ByteorError } from './errors.ts';
import { ExitCode } from './exit-codes.ts';
import { isPluginDefinition } from './plugin-api.ts';
import { pluginError, type Kernel } from './plugin-host.ts';

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
    return pathToFileURL(statSync(asPath).isDirectory() ? entryOfDirectory(asPath, spec) : asPath).href;
  }
  for (let dir = cwd; ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', spec);
    if (existsSync(join(pkgDir, 'package.json'))) return pathToFileURL(entryOfDirectory(pkgDir, spec)).href;
    if (dirname(dir) === dir) break;
  }
  throw notFound(spec, `it is not a built-in plugin (${Object.keys(BUILTIN_PLUGINS).join(', ')}), not a path, and no package of that name is installed`);
}

function entryOfDirectory(dir: string, spec: string): string {
  const pj = join(dir, 'package.json');
  if (existsSync(pj)) {
    const pkg = JSON.parse(readFileSync(pj, 'utf8')) as { exports?: unknown; main?: string };
    const exp = pickExport(pkg.exports);
    if (exp) return join(dir, exp);
    if (pkg.main) return join(dir, pkg.main);
  }
  for (const f of ['index.js', 'index.mjs', 'index.ts']) if (existsSync(join(dir, f))) return join(dir, f);
  throw notFound(spec, `directory ${dir} has no package.json entry and no index.js, index.mjs or index.ts`);
}

function pickExport(exp: unknown): string | undefined {
  if (typeof exp === 'string') return exp;
  if (exp && typeof exp === 'object') {
    const o = exp as Record<string, unknown>;
    const root = '.' in o ? o['.'] : o;
    if (typeof root === 'string') return root;
    if (root && typeof root === 'object') {
      const r = root as Record<string, unknown>;
      for (const c of ['import', 'node', 'default']) {
        const v = r[c];
        if (typeof v === 'string') return v;
        if (v && typeof v === 'object') { const d = pickExport(v); if (d) return d; }
      }
    }
  }
  return undefined;
}

function notFound(spec: string, why: string): ByteorError {
  return new ByteorError('BYTEOR_E_PLUGIN_NOT_FOUND', `cannot load plugin "${spec}": ${why}`, ExitCode.USAGE, { plugin: spec });
}

/** Import a plugin module and install its default export into the kernel. */
export async function loadPlugin(kernel: Kernel, spec: string, cwd = process.cwd()): Promise<void> {
  const url = resolvePluginSpecifier(spec, cwd);
  if (kernel.pluginSpecifiers.includes(url)) return;
  let mod: { default?: unknown };
  try {
    mod = await import(url);
  } catch (e) {
    throw pluginError('BYTEOR_E_PLUGIN_IMPORT', spec, 'load', `cannot import plugin "${spec}" (${url}): ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const def = mod.default;
  if (!isPluginDefinition(def)) {
    throw pluginError('BYTEOR_E_PLUGIN_INVALID', spec, 'load', `plugin "${spec}" has no default export made with definePlugin({ name, version, apiVersion, setup })`);
  }
  kernel.install(def, url);
}

export async function loadPlugins(kernel: Kernel, specs: readonly string[], cwd = process.cwd()): Promise<void> {
  for (const s of specs) await loadPlugin(kernel, s, cwd);
}
