import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../kernel/cli.ts';
import { RuntimeCapabilityDocument, stableJson, writeJsonArtifact, PLUGIN_API_VERSION } from '../../kernel/index.ts';
import { packageVersion } from '../../kernel/version.ts';
import { captureIO } from '../kernel/capture-io.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'byteor-capabilities-'));
const ECHO = './test/kernel/fixtures/echo-verb-plugin.ts';
const ECHO_EXT = './test/kernel/fixtures/echo-extension-plugin.ts';

async function cli(args: string[]) {
  const io = captureIO();
  const code = await main(args, { io, cwd: repo, env: {} });
  return { code, out: io.stdout(), err: io.stderr() };
}

test('--json prints a capability document that passes its schema, with providers', async () => {
  const r = await cli(['capabilities', '--json', `--plugin=${ECHO}`, `--plugin=${ECHO_EXT}`]);
  assert.is(r.code, 0, r.err);
  const doc = RuntimeCapabilityDocument.parse(JSON.parse(r.out));
  assert.is(r.out, stableJson(doc), 'stable key order, 2-space JSON with a trailing newline');
  assert.is(doc.documentVersion, 1);
  assert.equal(doc.runtime, { name: 'byteor', version: packageVersion() });
  assert.is(doc.pluginApiVersion, PLUGIN_API_VERSION);
  const names = doc.plugins.map((p) => p.name);
  assert.equal(names.slice(-2), ['echo-verb', 'echo-extension']);
  assert.equal(doc.plugins.at(-1)!.dependencies, ['echo-verb']);
  assert.match(doc.plugins.at(-1)!.specifier, /^file:\/\/.*echo-extension-plugin\.ts$/);
  const echo = doc.verbs.find((v) => v.name === 'echo')!;
  assert.equal(echo, {
    name: 'echo',
    summary: 'print the parsed flags (test fixture)',
    plugin: 'echo-verb',
    flags: ['--count', '--tag', '--loud'],
    extensions: [{ plugin: 'echo-extension', flags: ['--region'] }],
  });
  assert.ok(doc.verbs.some((v) => v.name === 'capabilities' && v.plugin === 'capabilities'));
  // the kernel's intrinsic stages are built_in, exact and prefix families alike
  const identity = doc.stages.find((s) => s.key === 'identity')!;
  assert.equal(identity, {
    key: 'identity',
    keyKind: 'exact',
    source: 'built_in',
    plugin: 'core-stages',
    summary: 'forward records unchanged',
    policyClass: 'pure',
    replaySupport: 'supported',
  });
  const dropIf = doc.stages.find((s) => s.key === 'drop_if:')!;
  assert.is(dropIf.keyKind, 'prefix');
  assert.is(dropIf.source, 'built_in');
  // exact keys first, each group sorted
  const kinds = doc.stages.map((s) => s.keyKind);
  assert.equal(kinds, [...kinds].sort());
});

test('human output lists every section with the providing plugin', async () => {
  const r = await cli(['capabilities', `--plugin=${ECHO}`, `--plugin=${ECHO_EXT}`]);
  assert.is(r.code, 0);
  assert.match(
    r.out,
    /\n  echo +echo-verb +print the parsed flags \(test fixture\)\n      \+ --region  \(echo-extension\)\n/,
  );
  for (const heading of [
    'plugins (load order):',
    'verbs:',
    'stage keys:',
    'adapters:',
    'snapshot sections:',
    'bundle artifacts:',
  ]) {
    assert.ok(r.out.includes(`\n${heading}\n`), heading);
  }
  assert.match(r.out, /\n  echo +echo-verb +print the parsed flags/);
  assert.match(r.out, /\n  drop_if:\* +built_in +pure +replay:supported +core-stages/);
});

test('--out writes the document as an artifact that round-trips through its schema', async () => {
  const out = join(tmp, 'capabilities.json');
  const r = await cli(['capabilities', `--out=${out}`, '--json']);
  assert.is(r.code, 0, r.err);
  const text = readFileSync(out, 'utf8');
  assert.is(text, r.out);
  const parsed = RuntimeCapabilityDocument.parse(JSON.parse(text));
  const again = join(tmp, 'again.json');
  writeJsonArtifact(again, RuntimeCapabilityDocument, parsed);
  assert.is(readFileSync(again, 'utf8'), text);
  assert.match(r.err, /wrote /);
  const bad = await cli(['capabilities', `--out=${join(tmp, 'no', 'such', 'dir.json')}`, '--json']);
  assert.is(bad.code, 1);
  assert.is(JSON.parse(bad.out).error.code, 'BYTEOR_E_ARTIFACT_WRITE');
});

test('the schema refuses a document with a wrong stage source or missing provider', () => {
  const good = {
    documentVersion: 1,
    runtime: { name: 'byteor', version: '1' },
    pluginApiVersion: 1,
    plugins: [],
    verbs: [],
    stages: [
      {
        key: 'x',
        keyKind: 'exact',
        source: 'built_in',
        plugin: 'p',
        summary: '',
        policyClass: 'pure',
        replaySupport: 'supported',
      },
    ],
    adapters: [],
    snapshotSections: [],
    bundleArtifacts: [],
  };
  assert.ok(RuntimeCapabilityDocument.safeParse(good).success);
  assert.not.ok(
    RuntimeCapabilityDocument.safeParse({ ...good, stages: [{ ...good.stages[0], source: 'unknown' }] }).success,
  );
  assert.not.ok(RuntimeCapabilityDocument.safeParse({ ...good, snapshotSections: [{ name: 's' }] }).success);
  assert.not.ok(RuntimeCapabilityDocument.safeParse({ ...good, documentVersion: 2 }).success);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
