/**
 * What a plugin author meets around the API (issue 20), each as docs/plugins.md says: a plain
 * object is a plugin definition as well as definePlugin's result; dependency version ranges; a
 * definition made with another copy of byteor is refused; a package without its build is
 * BYTEOR_E_PLUGIN_NOT_FOUND naming the build; a stage registered only outside workers is named
 * as such by the worker; runStopped runs before the final state file, which `run --sp
 * --state-out=FILE` writes too, snapshot sections included.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../kernel/cli.ts';
import { ByteorError } from '../../kernel/errors.ts';
import { Kernel } from '../../kernel/plugin-host.ts';
import { definePlugin, PLUGIN_API_VERSION, type PluginDefinition } from '../../kernel/plugin-contract.ts';
import { captureIO } from '../kernel/capture-io.ts';
import { chainSpec } from '../run/cli-harness.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'byteor-author-path-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[], cwd = repo) {
  const io = captureIO();
  const code = await main(args, { io, cwd, env: { ...process.env } });
  return { code, out: io.stdout(), err: io.stderr() };
}

function spec(name: string, keys: string[]): string {
  const path = join(tmp, `${name}.kv`);
  writeFileSync(path, chainSpec(keys, { slot_bytes: 64, wait: 'block' }));
  return path;
}

const plugin = (name: string, version: string, extra: Partial<PluginDefinition> = {}): PluginDefinition => ({
  name,
  version,
  apiVersion: PLUGIN_API_VERSION,
  setup() {},
  ...extra,
});

function refused(fn: () => void): ByteorError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ByteorError) return e;
    throw e;
  }
  throw new Error('expected a ByteorError');
}

test('definePlugin is optional: a plain object of the same shape installs; one without apiVersion does not', () => {
  const k = new Kernel();
  k.install(plugin('plain', '1.0.0'), 'file:///plain.js');
  k.install(definePlugin(plugin('made', '1.0.0')), 'file:///made.js');
  assert.equal(
    k.plugins.map((p) => p.name),
    ['plain', 'made'],
  );
  const e = refused(() => k.install({ name: 'x', version: '1', setup() {} } as never, 'file:///x.js'));
  assert.is(e.code, 'BYTEOR_E_PLUGIN_INVALID');
});

test('dependencies with semver ranges: satisfied, refused naming both versions, a bad range is invalid', () => {
  const k = new Kernel();
  k.install(plugin('byteor-edgeplane', '1.4.2'), 'file:///edge.js');
  k.install(plugin('mine', '0.3.0', { dependencies: { 'byteor-edgeplane': '^1.2' } }), 'file:///mine.js');
  assert.equal(k.plugins.find((p) => p.name === 'mine')!.dependencies, ['byteor-edgeplane']);
  const e = refused(() =>
    k.install(plugin('old', '2.0.0', { dependencies: { 'byteor-edgeplane': '^2' } }), 'file:///old.js'),
  );
  assert.is(e.code, 'BYTEOR_E_PLUGIN_DEPENDENCY_VERSION');
  assert.match(e.message, 'plugin "old" 2.0.0 needs plugin "byteor-edgeplane" ^2, but version 1.4.2 is loaded');
  assert.equal([e.details?.range, e.details?.loaded_version, e.exitCode], ['^2', '1.4.2', 1]);
  assert.not.ok(k.hasPlugin('old'));
  const bad = refused(() =>
    k.install(plugin('bad', '1.0.0', { dependencies: { 'byteor-edgeplane': 'one or two' } }), 'file:///bad.js'),
  );
  assert.is(bad.code, 'BYTEOR_E_PLUGIN_INVALID');
  assert.match(bad.message, 'semver range');
  const missing = refused(() =>
    k.install(plugin('lonely', '1.0.0', { dependencies: { nowhere: '^1' } }), 'file:///lonely.js'),
  );
  assert.is(missing.code, 'BYTEOR_E_PLUGIN_DEPENDENCY');
  assert.match(missing.message, '"nowhere" ^1, which is not loaded');
});

test('a definition made with another copy of byteor is refused, naming both copies and the fix', () => {
  const other = {
    ...plugin('twin', '1.0.0'),
    [Symbol.for('byteor.plugin')]: 'file:///elsewhere/node_modules/byteor/dist/chunks/x.js',
  };
  const e = refused(() => new Kernel().install(other, 'file:///twin.js'));
  assert.is(e.code, 'BYTEOR_E_PLUGIN_KERNEL_COPY');
  assert.match(e.message, 'file:///elsewhere/node_modules/byteor');
  assert.match(e.message, 'import the kernel only as "byteor/plugin"');
});

test(
  'a package without its build: BYTEOR_E_PLUGIN_NOT_FOUND (exit 2) saying to run the build, by path and by ' +
    'package name',
  async () => {
    const project = join(tmp, 'project');
    const pkg = join(project, 'node_modules', 'geo-tag');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: 'geo-tag',
        type: 'module',
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      }),
    );
    for (const [what, cwd] of [
      ['geo-tag', project],
      [pkg, repo],
    ] as const) {
      const r = await cli(['capabilities', `--plugin=${what}`], cwd);
      assert.is(r.code, 2, r.err);
      assert.match(r.err, 'error[BYTEOR_E_PLUGIN_NOT_FOUND]');
      assert.match(r.err, 'the package is not built; run your build (npm run build) in');
    }
  },
);

test('a stage registered after `if (host.inWorker) return`: the worker names the plugin and the fix', async () => {
  const r = await cli([
    'run',
    '--sp',
    `--spec=${spec('late', ['late_stage'])}`,
    '--plugin=./test/plugins/fixtures/main-thread-stage-plugin.ts',
    '--input=examples/records.txt',
    `--output=${join(tmp, 'late.out')}`,
  ]);
  assert.is(r.code, 1, r.err);
  assert.match(r.err, 'BYTEOR_E_PLUGIN_STAGE_NOT_IN_WORKER');
  assert.match(r.err, 'plugin "main-thread-stage" provides stage key "late_stage" on the main thread');
  assert.match(r.err, 'if (host.inWorker) return');
});

test('run --sp --state-out=FILE: the final state document with the sections as runStopped left them', async () => {
  const out = join(tmp, 'state-out.json');
  const r = await cli([
    'run',
    '--sp',
    `--spec=${spec('sp_state', ['audit_tag:eu'])}`,
    '--plugin=./examples/plugins/acme-audit',
    '--audit-note=sp',
    '--input=examples/records.txt',
    `--output=${join(tmp, 'sp.out')}`,
    `--state-out=${out}`,
  ]);
  assert.is(r.code, 0, r.err);
  const doc = JSON.parse(readFileSync(out, 'utf8')) as {
    model: string;
    runtime: { state: string; one_shot: boolean; run_dir: null };
    sections: { acme_audit: { note: string; records: number; outcome: { ok: boolean; tagged: number } | null } };
  };
  assert.equal(
    [doc.model, doc.runtime.state, doc.runtime.one_shot, doc.runtime.run_dir],
    ['single_ring', 'stopped', true, null],
  );
  // `outcome` is set by acme-audit's runStopped tap: the document is written after it
  assert.equal(
    [
      doc.sections.acme_audit.note,
      doc.sections.acme_audit.records,
      doc.sections.acme_audit.outcome?.ok,
      doc.sections.acme_audit.outcome?.tagged,
    ],
    ['sp', 36, true, 36],
  );
});

test('a long-running run writes its last state.json after runStopped', async () => {
  const dir = join(tmp, 'rd');
  const r = await cli([
    'run',
    `--spec=${spec('rd_state', ['audit_tag:eu'])}`,
    '--plugin=./examples/plugins/acme-audit',
    `--run-dir=${dir}`,
    '--input=examples/records.txt',
    `--output=${join(tmp, 'rd.out')}`,
  ]);
  assert.is(r.code, 0, r.err);
  const doc = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
    runtime: { state: string };
    sections: { acme_audit: { outcome: { records_out: number } | null } };
  };
  assert.is(doc.runtime.state, 'stopped');
  assert.is(doc.sections.acme_audit.outcome?.records_out, 36);
});

test.run();
