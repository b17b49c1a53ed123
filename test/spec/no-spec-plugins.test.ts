import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byteorInProcess } from './cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'byteor-no-spec-plugins-'));
const marker = join(dir, 'PLUGIN-CODE-RAN');
// an untrusted spec's plugin: importing it runs its code (here: it leaves a marker file)
writeFileSync(
  join(dir, 'evil.mjs'),
  `import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(marker)}, 'ran');
export default { name: 'evil', version: '1.0.0', apiVersion: 1, setup(host) {
  host.registerStage({ key: 'evil_stage', summary: 'x', policyClass: 'pure', replay: 'supported', create: () => ({ ` +
    `onBatch() {} }) });
} };
`,
);
const header = ['spec.version=1', 'spec.model=single_ring', 'spec.name=untrusted', 'plugins.0=./evil.mjs'];
const specEvil = join(dir, 'evil.kv');
writeFileSync(specEvil, [...header, 'single_ring.stages.0.key=evil_stage', ''].join('\n'));
const specBuiltin = join(dir, 'builtin.kv');
writeFileSync(specBuiltin, [...header, 'single_ring.stages.0.key=identity', ''].join('\n'));

const NOT_LOADED = /plugins\.0=\.\/evil\.mjs.*not loaded.*--no-spec-plugins/;

test(
  "--no-spec-plugins: validate, describe, dot and compatibility do not import the spec's plugins; its keys are " +
    'unknown, saying why',
  async () => {
    for (const verb of ['validate', 'describe', 'dot', 'compatibility']) {
      const r = await byteorInProcess([verb, `--spec=${specEvil}`, '--no-spec-plugins']);
      assert.not.ok(existsSync(marker), `${verb}: the spec's plugin ran`);
      assert.is(r.code, 3, `${verb}: ${r.err}`);
      assert.match(r.err, /evil_stage/, verb);
      assert.match(r.err, /--no-spec-plugins/, verb);
      // a hint never points at a command that would import the plugins
      for (const hint of r.err.match(/run "byteor validate [^"]*"/g) ?? [])
        assert.match(hint, /--no-spec-plugins"$/, `${verb}: ${hint}`);
    }
    const d = await byteorInProcess(['describe', `--spec=${specEvil}`, '--no-spec-plugins']);
    assert.ok(d.err.includes(`run "byteor validate --spec=${specEvil} --no-spec-plugins"`), d.err);
    const v = await byteorInProcess(['validate', `--spec=${specEvil}`, '--no-spec-plugins', '--json']);
    const report = JSON.parse(v.out);
    assert.is(report.ok, false);
    assert.equal(
      report.errors.map((d: { code: string }) => d.code),
      ['BYTEOR_E_SPEC_UNKNOWN_STAGE'],
    );
    assert.match(
      report.errors[0].message,
      /unknown stage key: no loaded plugin provides it; .*plugins\.0=\.\/evil\.mjs.*not loaded because of --no-spec-plugins/,
    );
    assert.equal(
      report.warnings.map((d: { code: string; key: string; line: number }) => [d.code, d.key, d.line]),
      [['BYTEOR_W_SPEC_PLUGIN_NOT_LOADED', 'plugins.0', 4]],
    );
    assert.match(report.warnings[0].message, NOT_LOADED);
    const c = await byteorInProcess(['compatibility', `--spec=${specEvil}`, '--no-spec-plugins', '--json']);
    const compat = JSON.parse(c.out);
    assert.equal(
      compat.stages.map((s: { key: string; source: string; supported: boolean }) => [s.key, s.source, s.supported]),
      [['evil_stage', 'unknown', false]],
    );
    assert.match(compat.stages[0].reason, /--no-spec-plugins/);
    assert.not.ok(compat.plugins.some((p: { name: string }) => p.name === 'evil'));
    assert.not.ok(existsSync(marker));
  },
);

test(
  '--no-spec-plugins: a spec whose keys need none of its plugins is valid, with a warning naming each plugin not ' +
    'loaded',
  async () => {
    const v = await byteorInProcess(['validate', `--spec=${specBuiltin}`, '--no-spec-plugins']);
    assert.is(v.code, 0, v.err);
    assert.match(v.err, /warning.*BYTEOR_W_SPEC_PLUGIN_NOT_LOADED/);
    assert.match(v.err, NOT_LOADED);
    for (const verb of ['describe', 'dot', 'compatibility']) {
      const r = await byteorInProcess([verb, `--spec=${specBuiltin}`, '--no-spec-plugins']);
      assert.is(r.code, 0, `${verb}: ${r.err}`);
    }
    assert.not.ok(existsSync(marker));
  },
);

test("without the flag the spec's plugins are imported (the documented default), so the marker appears", async () => {
  const r = await byteorInProcess(['validate', `--spec=${specEvil}`]);
  assert.is(r.code, 0, r.err);
  assert.ok(existsSync(marker));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
