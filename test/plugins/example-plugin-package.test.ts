/**
 * The author's path on the built package: the example plugin, copied out of the repository,
 * type-checks against the declaration files `npm run build` emits (dist/), compiles to its own
 * dist/, and the built CLI (bin/byteor.js, no tsx, no source condition) loads it.
 * Needs `npm run build` (npm ci runs it): fails, naming the command, when dist/ is missing or
 * older than kernel/plugin-api.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'byteor-author-'));
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

function setUpAuthorDir(): string {
  const decl = join(repo, 'dist', 'kernel', 'plugin-api.d.ts');
  assert.ok(
    existsSync(decl) && existsSync(join(repo, 'dist', 'kernel', 'main.js')),
    'dist/ is missing: run "npm run build" (npm ci does) before this test',
  );
  assert.ok(
    statSync(decl).mtimeMs >= statSync(join(repo, 'kernel', 'plugin-api.ts')).mtimeMs,
    'dist/ is older than kernel/plugin-api.ts: run "npm run build" before this test',
  );
  // a project outside the repository with byteor installed (as a link, like `npm link`) and @types/node
  mkdirSync(join(tmp, 'node_modules', '@types'), { recursive: true });
  symlinkSync(repo, join(tmp, 'node_modules', 'byteor'), 'dir');
  symlinkSync(join(repo, 'node_modules', '@types', 'node'), join(tmp, 'node_modules', '@types', 'node'), 'dir');
  const plugin = join(tmp, 'acme-audit');
  cpSync(join(repo, 'examples', 'plugins', 'acme-audit'), plugin, {
    recursive: true,
    filter: (src) => !src.includes(`${join('acme-audit', 'dist')}`) && !src.includes('node_modules'),
  });
  return plugin;
}

function run(cmd: string, args: string[], cwd: string) {
  return spawnSync(process.execPath, [cmd, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

/** The same as run(), without blocking: the two tsc runs below go side by side. */
function runAsync(cmd: string, args: string[], cwd: string): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cmd, ...args], { cwd, env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stdout += d;
    });
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

/** A plugin with two type errors, in its own directory of the author project. */
function writeBadPlugin(): string {
  const bad = join(tmp, 'bad-plugin');
  mkdirSync(bad);
  cpSync(join(repo, 'examples', 'plugins', 'acme-audit', 'tsconfig.json'), join(bad, 'tsconfig.json'));
  writeFileSync(join(bad, 'package.json'), JSON.stringify({ name: 'bad-plugin', type: 'module' }));
  writeFileSync(
    join(bad, 'index.ts'),
    `import { definePlugin, PLUGIN_API_VERSION } from 'byteor/plugin';
export default definePlugin({
  name: 'bad-plugin', version: '1.0.0', apiVersion: PLUGIN_API_VERSION,
  setup(host) {
    host.registerStage({ key: 'x', summary: 'x', policyClass: 'maybe', replay: 'supported', create: () => ({ ` +
      `onBatch() {} }) });
    host.registerStage({ key: 'y', summary: 'y', policyClass: 'pure', replay: 'supported' });
  },
});
`,
  );
  return bad;
}

let pluginDir = '';
let badCompile: Promise<{ status: number | null; stdout: string }> | null = null;
const ready = () =>
  assert.ok(pluginDir !== '', 'the author directory was not set up: see the first failure of this file');

test('the example plugin type-checks against the emitted declarations and compiles', async () => {
  const dir = setUpAuthorDir();
  badCompile = runAsync(tsc, ['-p', '.', '--noEmit'], writeBadPlugin());
  const r = await runAsync(tsc, ['-p', '.'], dir);
  assert.is(r.status, 0, `tsc failed:\n${r.stdout}`);
  for (const f of ['index.js', 'index.d.ts', 'tag-stage.js', 'seq-adapter.js', 'audit-state.js'])
    assert.ok(existsSync(join(dir, 'dist', f)), f);
  pluginDir = dir;
});

test('the declarations carry real types: a wrong policy class or a missing create() does not compile', async () => {
  assert.ok(badCompile, 'the author directory was not set up: see the first failure of this file');
  const r = await badCompile!;
  assert.is(r.status, 2, r.stdout);
  assert.match(r.stdout, /index\.ts\(5,.*'"maybe"' is not assignable to type 'PolicyClass'/);
  assert.match(r.stdout, /index\.ts\(6,[^\n]*'StageFamily'\.\n *Property 'create' is missing/);
});

test('the built CLI loads the compiled plugin by path and reports what it provides', () => {
  ready();
  const r = run(join(repo, 'bin', 'byteor.js'), ['capabilities', '--plugin=./acme-audit', '--json'], tmp);
  assert.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  const p = doc.plugins.find((x: { name: string }) => x.name === 'acme-audit');
  assert.is(p.specifier, `file://${join(tmp, 'acme-audit', 'dist', 'index.js')}`);
  assert.match(doc.plugins[0].specifier, /\/dist\/plugins\/stages\/index\.js$/);
  assert.equal(
    doc.stages.find((s: { key: string }) => s.key === 'audit_tag:'),
    {
      key: 'audit_tag:',
      keyKind: 'prefix',
      source: 'catalog_prefix',
      plugin: 'acme-audit',
      summary: 'prefix each record with "<label>:" in place (records that would not fit are dropped and counted)',
      policyClass: 'pure',
      replaySupport: 'supported',
    },
  );
  assert.ok(
    doc.adapters.some((a: { kind: string; plugin: string }) => a.kind === 'acme_seq' && a.plugin === 'acme-audit'),
  );
  assert.ok(doc.snapshotSections.some((s: { name: string }) => s.name === 'acme_audit'));
  assert.ok(doc.bundleArtifacts.some((a: { file: string }) => a.file === 'acme_audit.json'));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
