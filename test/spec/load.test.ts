import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ByteorError } from '../../kernel/errors.ts';
import { ExitCode } from '../../kernel/exit-codes.ts';
import {
  decodeSpecText,
  loadSpecFile,
  loadSpecText,
  resolveSpecPath,
  specValidationReport,
  validateSpecFile,
} from '../../kernel/index.ts';
import { SpecValidationReport } from '../../kernel/artifacts/spec-validation.ts';
import { canonicalTextHash, specHash } from '../../kernel/spec/hash.ts';
import { coreKernel, kv, lineOf, SR_HEADER } from './helpers.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const ex = (f: string) => join(repo, 'examples', f);
const tmp = mkdtempSync(join(tmpdir(), 'byteor-spec-load-'));

test('loadSpecFile returns text, explicit spec, canonical text, hash, warnings, report and lines', async () => {
  const k = await coreKernel();
  const s = await loadSpecFile(ex('chain.kv'), k);
  assert.is(s.path, ex('chain.kv'));
  assert.is(s.text, readFileSync(ex('chain.kv'), 'latin1'));
  assert.is(s.spec.model, 'single_ring');
  assert.is(s.hash, canonicalTextHash(s.canonical));
  assert.is(s.hash, specHash(s.spec));
  assert.equal(s.warnings, []);
  assert.equal(s.report, { version: 1, source: 'spec', spec_hash: s.hash, diagnostics: [] });
  assert.is(s.lines.get('single_ring.stages.1.key'), lineOf(s.text, 'single_ring.stages.1.key'));
});

test(
  'hash stability: the canonical text and hash of ' + 'examples/chain.kv are fixed (the hash is the spec identity)',
  async () => {
    const s = await loadSpecFile(ex('chain.kv'), await coreKernel());
    assert.is(
      s.canonical,
      kv(
        'spec.version=1',
        'spec.model=single_ring',
        'spec.name=chain',
        'single_ring.shards=1',
        'single_ring.ordering=strict',
        'single_ring.producer=single',
        'single_ring.scheduling=dedicated',
        'single_ring.shard_key=record',
        'single_ring.capacity=1024',
        'single_ring.slot_bytes=256',
        'single_ring.wait=backoff',
        'single_ring.stage_failure_policy=stop_pipeline',
        'single_ring.stages.0.key=identity',
        'single_ring.stages.1.key=upper',
        'single_ring.stages.1.depends_on.0=0',
        'single_ring.stages.2.key=identity',
        'single_ring.stages.2.depends_on.0=1',
      ),
    );
    assert.is(s.hash, 'sha256:001efa2faeb5eb3ba5ae5e2105aebb326d3e8ff4711532721935d688eb1f2f73');
    const authored = await loadSpecFile(ex('chain_authored.kv'), await coreKernel());
    assert.is(authored.hash, s.hash);
    // any change of meaning changes the hash
    const changed = await loadSpecText(s.canonical.replace('capacity=1024', 'capacity=2048'), await coreKernel());
    assert.is.not(changed.hash, s.hash);
  },
);

test('an invalid spec throws BYTEOR_E_SPEC_INVALID (exit 3) listing every diagnostic in details.errors', async () => {
  const text = kv(
    ...SR_HEADER,
    'single_ring.shards=0',
    'single_ring.producer=mpmc',
    'single_ring.stages.0.key=identity',
  );
  try {
    await loadSpecText(text, await coreKernel(), { path: 'x.kv' });
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, ByteorError);
    const err = e as ByteorError;
    assert.is(err.code, 'BYTEOR_E_SPEC_INVALID');
    assert.is(err.exitCode, ExitCode.SPEC_INVALID);
    assert.match(
      err.message,
      /^spec x\.kv is invalid \(2 errors\): line 4: error\[BYTEOR_E_SPEC_SR_SHARDS\]: single_ring\.shards must be >= 1; line 5: /,
    );
    assert.match(err.message, /run "byteor validate --spec=x\.kv" for the full list$/);
    const errors = err.details!.errors as Array<{ code: string; line: number }>;
    assert.equal(
      errors.map((x) => [x.code, x.line]),
      [
        ['BYTEOR_E_SPEC_SR_SHARDS', 4],
        ['BYTEOR_E_SPEC_SR_PRODUCER', 5],
      ],
    );
    assert.match(String(err.details!.spec_hash), /^sha256:/);
  }
});

test('malformed files throw BYTEOR_E_SPEC_INVALID too (binary, empty), never crash', async () => {
  const bin = join(tmp, 'bin.kv');
  writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]));
  const empty = join(tmp, 'empty.kv');
  writeFileSync(empty, '');
  for (const [f, code] of [
    [bin, 'BYTEOR_E_SPEC_BINARY'],
    [empty, 'BYTEOR_E_SPEC_EMPTY'],
  ]) {
    const c = await validateSpecFile(f, await coreKernel());
    assert.equal(
      specValidationReport(c),
      SpecValidationReport.parse({ ok: false, spec_hash: null, model: null, errors: c.errors, warnings: [] }),
    );
    assert.is(c.errors[0]!.code, code);
    try {
      await loadSpecFile(f, await coreKernel());
      assert.unreachable();
    } catch (e) {
      assert.is((e as ByteorError).code, 'BYTEOR_E_SPEC_INVALID');
    }
  }
});

test('a missing or unreadable spec file is BYTEOR_E_SPEC_UNREADABLE (exit 2)', async () => {
  for (const f of [join(tmp, 'nope.kv'), tmp]) {
    try {
      await loadSpecFile(f, await coreKernel());
      assert.unreachable();
    } catch (e) {
      assert.is((e as ByteorError).code, 'BYTEOR_E_SPEC_UNREADABLE');
      assert.is((e as ByteorError).exitCode, ExitCode.USAGE);
      assert.match((e as ByteorError).message, /pass --spec=PATH \(or set BYTEOR_SPEC\)$/);
    }
  }
});

test('plugins.<i> in a spec loads the plugin (relative to the spec file) before validation', async () => {
  const k = await coreKernel();
  const path = join(repo, 'test/spec/fixtures/with-plugin.kv');
  assert.is(k.resolveStage('fixture_stage'), undefined);
  const s = await loadSpecFile(path, k);
  assert.equal(s.spec.plugins, ['./spec-plugin.ts']);
  assert.ok(k.resolveStage('fixture_stage'));
  assert.ok(
    k.pluginSpecifiers.some((u) => u.endsWith('/test/spec/fixtures/spec-plugin.ts')),
    'workers will import it too',
  );
  // the same spec without its plugins line names the key as unknown
  const c = await validateSpecFile(path, await coreKernel());
  assert.ok(c.ok);
  const bad = kv(...SR_HEADER, 'plugins.0=./does-not-exist.ts', 'single_ring.stages.0.key=identity');
  const c2 = await (await import('../../kernel/spec/load.ts')).validateSpecText(bad, await coreKernel(), {
    path: join(tmp, 'x.kv'),
  });
  assert.is(c2.errors[0]!.code, 'BYTEOR_E_SPEC_PLUGIN_LOAD');
  assert.is(c2.errors[0]!.line, 4);
  assert.match(c2.errors[0]!.message, /^plugins\.0=\.\/does-not-exist\.ts: cannot load plugin/);
});

test('decodeSpecText reads stage keys without a kernel, even unknown ones', () => {
  const d = decodeSpecText(kv(...SR_HEADER, 'single_ring.stages.0.key=http_post:https://x.example/'));
  assert.equal(d.errors, []);
  assert.equal((d.spec as any).single_ring.stages[0].key, 'http_post:https://x.example/');
});

test('resolveSpecPath: --spec, else BYTEOR_SPEC, else /etc/byteor/spec.kv', () => {
  assert.is(resolveSpecPath('a.kv', { BYTEOR_SPEC: 'b.kv' }), 'a.kv');
  assert.is(resolveSpecPath(undefined, { BYTEOR_SPEC: 'b.kv' }), 'b.kv');
  assert.is(resolveSpecPath(undefined, {}), '/etc/byteor/spec.kv');
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
