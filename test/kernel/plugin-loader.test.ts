import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kernel } from '../../kernel/plugin-host.ts';
import { importConditions, loadPlugin, loadPlugins, resolvePluginSpecifier } from '../../kernel/plugin-loader.ts';
import { BUILTIN_PLUGINS } from '../../kernel/builtin-plugins.ts';
import { ByteorError, ExitCode } from '../../kernel/index.ts';

const root = mkdtempSync(join(tmpdir(), 'byteor-loader-'));
const url = (p: string) => pathToFileURL(p).href;

/** A plugin module as plain ESM: a definePlugin-shaped default export registering one exact stage key. */
function pluginSource(name: string, opts: { stageKey?: string; deps?: string[]; apiVersion?: number } = {}): string {
  const key = opts.stageKey ?? `${name.replace(/\W/g, '_')}_stage`;
  return (
    `export default {
  name: ${JSON.stringify(name)}, version: '1.2.3', apiVersion: ${opts.apiVersion ?? 1},
  dependencies: ${JSON.stringify(opts.deps ?? [])},
  setup(host) {
    host.registerStage({ key: ${JSON.stringify(key)}, summary: 'test', policyClass: 'pure', replay: 'supported', ` +
    `create: () => ({ onBatch() {} }) });
  },
};\n`
  );
}

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

async function rejectsByteor(p: Promise<unknown>): Promise<ByteorError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ByteorError, `expected a ByteorError, got ${String(e)}`);
    return e as ByteorError;
  }
  throw new assert.Assertion({
    message: 'expected a rejection',
    operator: 'rejects',
    actual: 'resolved',
    expects: 'ByteorError',
  });
}

test('NAME: a built-in name resolves to its module in plugins/', () => {
  assert.is(resolvePluginSpecifier('core-stages'), BUILTIN_PLUGINS['core-stages']);
  assert.match(resolvePluginSpecifier('capabilities'), /\/plugins\/verbs\/capabilities\/index\.ts$/);
});

test('PATH: relative and absolute files, relative to the given cwd', async () => {
  const file = write(join(root, 'paths', 'my-plugin.mjs'), pluginSource('path-plugin'));
  assert.is(resolvePluginSpecifier('./my-plugin.mjs', join(root, 'paths')), url(file));
  assert.is(resolvePluginSpecifier(file, '/'), url(file));
  assert.is(resolvePluginSpecifier(url(file)), url(file));
  const k = new Kernel();
  await loadPlugin(k, './my-plugin.mjs', join(root, 'paths'));
  assert.equal(
    k.plugins.map((p) => [p.name, p.version, p.specifier]),
    [['path-plugin', '1.2.3', url(file)]],
  );
  assert.ok(k.resolveStage('path_plugin_stage'));
  // loading the same file again is a no-op
  await loadPlugin(k, file, '/');
  assert.is(k.pluginSpecifiers.length, 1);
});

test('PATH: a directory uses package.json exports (by condition, in key order), then main, then index.*', async () => {
  const a = join(root, 'dir-exports');
  write(
    join(a, 'package.json'),
    JSON.stringify({
      name: 'dir-exports',
      exports: { '.': { types: './index.d.ts', source: './src.mjs', import: './esm.mjs', default: './dist.mjs' } },
    }),
  );
  write(join(a, 'src.mjs'), pluginSource('dir-src'));
  write(join(a, 'esm.mjs'), pluginSource('dir-esm'));
  // this test runs with --conditions=source, so `source` (listed before `import`) wins
  assert.ok(importConditions().has('source'));
  assert.is(resolvePluginSpecifier(a), url(join(a, 'src.mjs')));
  const k = new Kernel();
  await loadPlugin(k, a);
  assert.is(k.plugins[0]!.name, 'dir-src');

  const b = join(root, 'dir-string-export');
  write(join(b, 'package.json'), JSON.stringify({ exports: './entry.mjs' }));
  write(join(b, 'entry.mjs'), pluginSource('dir-string-export'));
  assert.is(resolvePluginSpecifier(b), url(join(b, 'entry.mjs')));
  const c = join(root, 'dir-main');
  write(join(c, 'package.json'), JSON.stringify({ main: 'lib/main.mjs' }));
  write(join(c, 'lib', 'main.mjs'), pluginSource('dir-main'));
  assert.is(resolvePluginSpecifier(c), url(join(c, 'lib/main.mjs')));
  const d = join(root, 'dir-index');
  write(join(d, 'index.ts'), pluginSource('dir-index'));
  assert.is(resolvePluginSpecifier(d), url(join(d, 'index.ts')));
  const e = join(root, 'dir-bare-conditions');
  write(join(e, 'package.json'), JSON.stringify({ exports: { node: './node.mjs', default: './default.mjs' } }));
  write(join(e, 'node.mjs'), pluginSource('dir-node'));
  assert.is(resolvePluginSpecifier(e), url(join(e, 'node.mjs')));
});

test('importConditions reads --conditions / -C like Node', () => {
  assert.equal([...importConditions([], '')], ['node', 'import', 'default']);
  assert.ok(importConditions(['--conditions=source'], '').has('source'));
  assert.ok(importConditions(['-C', 'dev'], '').has('dev'));
  assert.ok(importConditions([], '--conditions=edge --max-old-space-size=100').has('edge'));
  assert.not.ok(importConditions(['--import', 'tsx'], '').has('tsx'));
});

test('PACKAGE: found in node_modules walking up from cwd, scoped names and subpath exports too', async () => {
  const proj = join(root, 'project');
  const nested = join(proj, 'a', 'b');
  mkdirSync(nested, { recursive: true });
  const pkg = join(proj, 'node_modules', 'acme-byteor-audit');
  write(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: 'acme-byteor-audit',
      type: 'module',
      exports: { '.': { import: './dist/index.js' }, './extra': './dist/extra.js' },
    }),
  );
  write(join(pkg, 'dist', 'index.js'), pluginSource('acme-byteor-audit'));
  write(join(pkg, 'dist', 'extra.js'), pluginSource('acme-extra'));
  const scoped = join(proj, 'node_modules', '@acme', 'geo');
  write(join(scoped, 'package.json'), JSON.stringify({ name: '@acme/geo', main: 'main.mjs' }));
  write(join(scoped, 'main.mjs'), pluginSource('@acme/geo', { stageKey: 'geo' }));

  assert.is(resolvePluginSpecifier('acme-byteor-audit', nested), url(join(pkg, 'dist', 'index.js')));
  assert.is(resolvePluginSpecifier('acme-byteor-audit/extra', nested), url(join(pkg, 'dist', 'extra.js')));
  assert.is(resolvePluginSpecifier('@acme/geo', nested), url(join(scoped, 'main.mjs')));
  const k = new Kernel();
  await loadPlugins(k, ['acme-byteor-audit', '@acme/geo', 'acme-byteor-audit/extra'], nested);
  assert.equal(
    k.plugins.map((p) => p.name),
    ['acme-byteor-audit', '@acme/geo', 'acme-extra'],
  );
  assert.is(k.resolveStage('geo')!.plugin, '@acme/geo');

  const missing = await rejectsByteor(loadPlugin(k, 'acme-byteor-audit/nope', nested));
  assert.is(missing.code, 'BYTEOR_E_PLUGIN_NOT_FOUND');
  assert.match(missing.message, /no entry for "\.\/nope"/);
});

test('not found, not importable, no default export: stable codes naming the plugin', async () => {
  const k = new Kernel();
  const nf = await rejectsByteor(loadPlugin(k, 'no-such-plugin-anywhere', root));
  assert.is(nf.code, 'BYTEOR_E_PLUGIN_NOT_FOUND');
  assert.is(nf.exitCode, ExitCode.USAGE);
  assert.match(nf.message, /cannot load plugin "no-such-plugin-anywhere": it is not a built-in plugin \(core-stages, /);
  const np = await rejectsByteor(loadPlugin(k, './nowhere.mjs', root));
  assert.is(np.code, 'BYTEOR_E_PLUGIN_NOT_FOUND');

  write(join(root, 'bad', 'throws.mjs'), 'throw new Error("module init failed");\n');
  const im = await rejectsByteor(loadPlugin(k, join(root, 'bad', 'throws.mjs')));
  assert.is(im.code, 'BYTEOR_E_PLUGIN_IMPORT');
  assert.match(im.message, /module init failed/);
  assert.is((im.details as { hook: string }).hook, 'load');

  write(join(root, 'bad', 'nodefault.mjs'), 'export const x = 1;\n');
  const nd = await rejectsByteor(loadPlugin(k, join(root, 'bad', 'nodefault.mjs')));
  assert.is(nd.code, 'BYTEOR_E_PLUGIN_INVALID');

  write(join(root, 'bad', 'v2.mjs'), pluginSource('from-the-future', { apiVersion: 2 }));
  const v2 = await rejectsByteor(loadPlugin(k, join(root, 'bad', 'v2.mjs')));
  assert.is(v2.code, 'BYTEOR_E_PLUGIN_API_VERSION');
  assert.match(
    v2.message,
    /"from-the-future" was written for plugin API version 2, but this kernel provides version 1/,
  );

  write(join(root, 'bad', 'package.json-dir', 'package.json'), '{ not json');
  const bj = await rejectsByteor(loadPlugin(k, join(root, 'bad', 'package.json-dir')));
  assert.is(bj.code, 'BYTEOR_E_PLUGIN_NOT_FOUND');
  assert.match(bj.message, /not valid JSON/);
  assert.is(k.plugins.length, 0);
});

test(
  'an empty plugin file, a CommonJS module.exports = {}, a non-object default: BYTEOR_E_PLUGIN_INVALID, not ' +
    'API_VERSION',
  async () => {
    const k = new Kernel();
    // an empty .js/.ts outside a "type": "module" package is CommonJS: its default export is {}
    for (const [file, text] of [
      ['empty.js', ''],
      ['empty.ts', ''],
      ['empty.mjs', ''],
      ['cjs.cjs', 'module.exports = {};\n'],
      ['number.mjs', 'export default 42;\n'],
      ['null.mjs', 'export default null;\n'],
      ['fn.mjs', 'export default function setup() {}\n'],
      ['shapeless.mjs', 'export default { name: "shapeless", setup() {} };\n'],
    ] as const) {
      const p = write(join(root, 'invalid', file), text);
      const e = await rejectsByteor(loadPlugin(k, p));
      assert.is(e.code, 'BYTEOR_E_PLUGIN_INVALID', `${file}: ${e.code} ${e.message}`);
      assert.is(e.exitCode, ExitCode.RUNTIME_FAILURE, file);
      assert.match(e.message, /definePlugin\(\{ name, version, apiVersion, setup \}\)/, file);
      assert.is((e.details as { hook: string }).hook, 'load', file);
    }
    assert.is(k.plugins.length, 0);
  },
);

test(
  'dependencies: installed after what they depend on, whatever the command-line order; cycles and missing ones ' +
    'refused',
  async () => {
    const dir = join(root, 'deps');
    const base = write(join(dir, 'base.mjs'), pluginSource('base'));
    const mid = write(join(dir, 'mid.mjs'), pluginSource('mid', { deps: ['base'] }));
    const top = write(join(dir, 'top.mjs'), pluginSource('top', { deps: ['mid', 'base'] }));
    const free = write(join(dir, 'free.mjs'), pluginSource('free'));
    const k = new Kernel();
    await loadPlugins(k, [top, free, mid, base]);
    assert.equal(
      k.plugins.map((p) => p.name),
      ['free', 'base', 'mid', 'top'],
    );
    assert.equal(k.pluginSpecifiers, [free, base, mid, top].map(url));

    const c1 = write(join(dir, 'c1.mjs'), pluginSource('c1', { deps: ['c2'] }));
    const c2 = write(join(dir, 'c2.mjs'), pluginSource('c2', { deps: ['c1'] }));
    const k2 = new Kernel();
    const cyc = await rejectsByteor(loadPlugins(k2, [c1, c2]));
    assert.is(cyc.code, 'BYTEOR_E_PLUGIN_DEPENDENCY_CYCLE');
    assert.match(cyc.message, /"c1", "c2" depend on each other/);
    assert.is(k2.plugins.length, 0);

    const k3 = new Kernel();
    const miss = await rejectsByteor(loadPlugins(k3, [mid]));
    assert.is(miss.code, 'BYTEOR_E_PLUGIN_DEPENDENCY');
    assert.equal(miss.details, { plugin: 'mid', hook: 'load', dependency: 'base' });
  },
);

test('two plugin files with the same name: the second is refused naming both files; the first stays', async () => {
  const dir = join(root, 'twins');
  const a = write(join(dir, 'a', 'twin.mjs'), pluginSource('twin', { stageKey: 'twin_a' }));
  const b = write(join(dir, 'b', 'twin.mjs'), pluginSource('twin', { stageKey: 'twin_b' }));
  const k = new Kernel();
  const e = await rejectsByteor(loadPlugins(k, [a, b]));
  assert.is(e.code, 'BYTEOR_E_PLUGIN_DUPLICATE');
  assert.ok(e.message.includes(url(a)) && e.message.includes(url(b)), e.message);
  assert.equal(
    k.plugins.map((p) => p.specifier),
    [url(a)],
  );
  assert.ok(k.resolveStage('twin_a'));
  assert.is(k.resolveStage('twin_b'), undefined);
  // loading the first again (same file) is a no-op
  await loadPlugins(k, [a]);
  assert.equal(k.pluginSpecifiers, [url(a)]);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
