import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../kernel/cli.ts';
import {
  BundleManifest,
  BundleSpecValidation,
  EnvironmentCapture,
  PolicyAuditRecordV1,
  RuntimeInfo,
  REDACTED_VALUE,
  extractBundleArchive,
  sha256Hex,
  stableJson,
  verifyBundleDir,
  ByteorError,
} from '../../kernel/index.ts';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-bundle-'));
const CHAIN = join(root, 'examples/chain.kv');

async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    io: {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      tty: false,
      color: false,
    },
    env: { PATH: '/usr/bin', ...env },
  });
  return { code, out, err };
}

const read = (b: string, f: string) => readFileSync(join(b, f), 'utf8');
/** an artifact file round-trips through its schema: same bytes back */
function roundTrips(b: string, f: string, schema: { parse(x: unknown): unknown }) {
  const text = read(b, f);
  assert.is(text, stableJson(schema.parse(JSON.parse(text))), `${f} does not round-trip`);
}

const SECRETS = {
  MY_API_KEY: 'k-123',
  GITHUB_TOKEN: 'ghp_x',
  DB_PASSWORD: 'hunter2',
  AWS_SECRET_ACCESS_KEY: 'aws',
  NPM_CRED: 'c',
  lower_token: 't',
  BYTEOR_AGENT_API_KEY: 'agent',
  KEYBOARD_LAYOUT: 'us',
};

test('a bundle of a valid spec: the v1 files, each round-tripping its schema, a manifest that verifies', async () => {
  const out = join(dir, 'ok');
  const cfg = join(dir, 'runtime_config.txt');
  writeFileSync(cfg, 'wait=spin\n');
  const r = await cli(
    ['incident-bundle', `--out=${out}`, `--spec=${CHAIN}`, `--config=${cfg}`, '--env=staging', '--json'],
    { ...SECRETS, HOME: '/home/op' },
  );
  assert.is(r.code, 0, r.err);
  assert.equal(readdirSync(out).sort(), [
    'environment.json',
    'manifest.json',
    'policy_audit.json',
    'runtime.json',
    'runtime_config.txt',
    'spec.kv',
    'spec_validation.json',
  ]);
  assert.is(read(out, 'spec.kv'), readFileSync(CHAIN, 'utf8'));
  assert.is(read(out, 'runtime_config.txt'), 'wait=spin\n');
  roundTrips(out, 'spec_validation.json', BundleSpecValidation);
  roundTrips(out, 'runtime.json', RuntimeInfo);
  roundTrips(out, 'policy_audit.json', PolicyAuditRecordV1);
  roundTrips(out, 'environment.json', EnvironmentCapture);
  roundTrips(out, 'manifest.json', BundleManifest);

  const sv = JSON.parse(read(out, 'spec_validation.json'));
  assert.is(sv.ok, true);
  assert.match(sv.description, 'stages (3, on one ring)');
  const pa = JSON.parse(read(out, 'policy_audit.json'));
  assert.is(pa.ok, true);
  assert.is(pa.enforced, false);
  assert.is(pa.environment, 'staging');
  assert.is(pa.spec.model, 'SingleRing');
  assert.is(JSON.parse(read(out, 'runtime.json')).crate.name, 'byteor');

  const m = verifyBundleDir(out);
  assert.is(m.spec_ok, true);
  assert.is(m.spec_hash, sv.spec_hash);
  assert.equal(
    m.files.map((f) => f.path),
    ['environment.json', 'policy_audit.json', 'runtime.json', 'runtime_config.txt', 'spec.kv', 'spec_validation.json'],
  );
  for (const f of m.files) assert.is(f.sha256, sha256Hex(readFileSync(join(out, f.path))));
  assert.equal(JSON.parse(r.out).manifest, m);
  assert.ok(!readdirSync(dir).some((n) => n.includes('.partial-')), 'the staging directory is gone');
});

test(
  'environment.json: sorted by name, every name with ' + 'KEY/TOKEN/SECRET/PASSWORD/CRED redacted, others kept',
  async () => {
    const out = join(dir, 'env');
    assert.is(
      (await cli(['incident-bundle', `--out=${out}`, `--spec=${CHAIN}`], { ...SECRETS, HOME: '/home/op' })).code,
      0,
    );
    const e = EnvironmentCapture.parse(JSON.parse(read(out, 'environment.json')));
    const env = Object.fromEntries(e.env);
    for (const k of Object.keys(SECRETS)) assert.is(env[k], REDACTED_VALUE, k);
    assert.is(env.HOME, '/home/op');
    assert.is(env.PATH, '/usr/bin');
    assert.equal(
      e.env.map(([k]) => k),
      [...e.env.map(([k]) => k)].sort(),
    );
    assert.not.match(read(out, 'environment.json'), 'hunter2');
    assert.not.match(read(out, 'environment.json'), 'ghp_x');
    assert.is(e.pid, process.pid);
    assert.match(e.proc_status ?? '', 'Pid:');
  },
);

test('an invalid spec still gives a complete bundle that says so', async () => {
  const bad = join(dir, 'bad.kv');
  writeFileSync(bad, readFileSync(CHAIN, 'utf8').replace('single_ring.shards=1', 'single_ring.shards=0'));
  const out = join(dir, 'invalid');
  const r = await cli(['incident-bundle', `--out=${out}`, `--spec=${bad}`]);
  assert.is(r.code, 0, r.err);
  const sv = JSON.parse(read(out, 'spec_validation.json'));
  assert.is(sv.ok, false);
  assert.ok(sv.error.length > 0 && sv.description === undefined);
  const pa = JSON.parse(read(out, 'policy_audit.json'));
  assert.is(pa.ok, false);
  assert.ok(pa.error.length > 0);
  assert.is(pa.spec, undefined);
  const m = verifyBundleDir(out);
  assert.is(m.spec_ok, false);
  assert.is(m.spec_hash, sv.spec_hash); // decoded, so hashed, but invalid
  assert.match(r.out, 'INVALID');
  // text that does not even decode: no hash at all
  const garbage = join(dir, 'garbage.kv');
  writeFileSync(garbage, 'this is not a spec\n');
  const out2 = join(dir, 'garbage');
  assert.is((await cli(['incident-bundle', `--out=${out2}`, `--spec=${garbage}`])).code, 0);
  assert.is(verifyBundleDir(out2).spec_hash, null);
  assert.is(read(out2, 'spec.kv'), 'this is not a spec\n');
});

test('plugin artifacts: written, not applicable, failed (recorded, partial file removed)', async () => {
  const out = join(dir, 'plugins');
  const r = await cli([
    'incident-bundle',
    `--out=${out}`,
    `--spec=${CHAIN}`,
    `--run-dir=${dir}`,
    `--plugin=${join(root, 'test/operator/fixtures/bundle-artifacts-plugin.ts')}`,
    '--json',
  ]);
  assert.is(r.code, 0, r.err);
  assert.is(read(out, 'fixture_report.txt'), `spec bytes ${readFileSync(CHAIN).length}; run dir ${dir}\n`);
  assert.not.ok(existsSync(join(out, 'fixture_broken.json')));
  const m = verifyBundleDir(out);
  const byFile = Object.fromEntries(m.artifacts.map((a) => [a.file, a]));
  assert.is(byFile['fixture_report.txt']!.outcome, 'written');
  assert.is(byFile['fixture_absent.json']!.outcome, 'not_applicable');
  assert.is(byFile['fixture_broken.json']!.outcome, 'failed');
  assert.match(byFile['fixture_broken.json']!.error!, 'disk on fire');
  assert.match(r.err, 'could not write fixture_broken.json');
  assert.is(byFile['spec.kv']!.outcome, 'failed');
  assert.is(read(out, 'spec.kv'), readFileSync(CHAIN, 'utf8'), 'a plugin cannot overwrite a file of the bundle itself');
});

test('--archive writes a .tar.gz that extracts to the same verified bundle', async () => {
  const out = join(dir, 'arch');
  assert.is((await cli(['incident-bundle', `--out=${out}`, `--spec=${CHAIN}`, '--archive'])).code, 0);
  const extracted = await extractBundleArchive(`${out}.tar.gz`, join(dir, 'x'));
  assert.equal(verifyBundleDir(extracted), verifyBundleDir(out));
  for (const f of readdirSync(out)) assert.is(read(extracted, f), read(out, f));
});

function refusedWith(fn: () => unknown, code: string) {
  try {
    fn();
  } catch (e) {
    assert.is((e as ByteorError).code, code, (e as Error).message);
    assert.is((e as ByteorError).exitCode, 6);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('a changed, removed or added file, or a broken manifest, is refused (exit 6)', async () => {
  const fresh = async (name: string) => {
    const o = join(dir, name);
    assert.is((await cli(['incident-bundle', `--out=${o}`, `--spec=${CHAIN}`])).code, 0);
    return o;
  };
  const a = await fresh('t1');
  writeFileSync(join(a, 'spec.kv'), `${read(a, 'spec.kv')}# edited\n`);
  refusedWith(() => verifyBundleDir(a), 'BYTEOR_E_BUNDLE_TAMPERED');
  const b = await fresh('t2');
  rmSync(join(b, 'environment.json'));
  refusedWith(() => verifyBundleDir(b), 'BYTEOR_E_BUNDLE_TAMPERED');
  const c = await fresh('t3');
  mkdirSync(join(c, 'extra'));
  writeFileSync(join(c, 'extra/x.txt'), 'x');
  refusedWith(() => verifyBundleDir(c), 'BYTEOR_E_BUNDLE_TAMPERED');
  const d = await fresh('t4');
  writeFileSync(join(d, 'manifest.json'), '{"bundle_v":2}');
  refusedWith(() => verifyBundleDir(d), 'BYTEOR_E_BUNDLE_INVALID');
  refusedWith(() => verifyBundleDir(join(dir, 'nope')), 'BYTEOR_E_BUNDLE_INVALID');
});

test(
  'refusals: an existing non-empty --out (exit 2), an ' + 'unreadable spec (exit 2), a missing --config (exit 2)',
  async () => {
    const taken = join(dir, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'f'), 'x');
    const r1 = await cli(['incident-bundle', `--out=${taken}`, `--spec=${CHAIN}`]);
    assert.is(r1.code, 2);
    assert.match(r1.err, 'BYTEOR_E_BUNDLE_OUT_EXISTS');
    const r2 = await cli(['incident-bundle', `--out=${join(dir, 'n1')}`, `--spec=${join(dir, 'missing.kv')}`]);
    assert.is(r2.code, 2);
    assert.match(r2.err, 'BYTEOR_E_SPEC_UNREADABLE');
    const r3 = await cli([
      'incident-bundle',
      `--out=${join(dir, 'n2')}`,
      `--spec=${CHAIN}`,
      `--config=${join(dir, 'nocfg.txt')}`,
    ]);
    assert.is(r3.code, 2);
    assert.match(r3.err, 'BYTEOR_E_BUNDLE_CONFIG_UNREADABLE');
    assert.not.ok(existsSync(join(dir, 'n1')) || existsSync(join(dir, 'n2')));
  },
);

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
