import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBundleDir } from '../../kernel/index.ts';
import { addJournalWindow, cli } from './bundle-helpers.ts';

// Signed incident bundles: `incident-bundle --sign-key` signs manifest.json (Ed25519, the approval
// key machinery); `replay --require-signed` refuses an unsigned bundle or an untrusted signer
// (exit 4) and an altered signed manifest (exit 6).

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-bundle-sign-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const CHAIN = join(root, 'examples/chain.kv');
const set = join(dir, 'signing_keys.json');
const otherSet = join(dir, 'other_keys.json');
const k1 = join(dir, 'k1.pem');
const k2 = join(dir, 'k2.pem');
let runDir = '';

test.before(async () => {
  assert.is((await cli(['approval', 'keygen', '--kid=ops-1', `--private-key=${k1}`, `--key-set=${set}`])).code, 0);
  assert.is(
    (await cli(['approval', 'keygen', '--kid=stranger', `--private-key=${k2}`, `--key-set=${otherSet}`])).code,
    0,
  );
  const input = join(dir, 'in.txt');
  writeFileSync(input, 'a\nb\nc\n');
  runDir = join(dir, 'rd');
  const r = spawnSync(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      'kernel/main.ts',
      'run',
      `--spec=${CHAIN}`,
      `--input=${input}`,
      `--output=${join(dir, 'out.txt')}`,
      `--run-dir=${runDir}`,
    ],
    { cwd: root, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', TMPDIR: dir } },
  );
  assert.is(r.status, 0, r.stderr);
});

async function bundle(name: string, ...extra: string[]): Promise<string> {
  const out = join(dir, name);
  const r = await cli(['incident-bundle', `--out=${out}`, `--spec=${CHAIN}`, `--run-dir=${runDir}`, ...extra]);
  assert.is(r.code, 0, r.err);
  return out;
}
const replay = (b: string, ...extra: string[]) => cli(['replay', `--bundle=${b}`, `--out=${b}.replay.json`, ...extra]);

test(
  'a signed bundle replays with --require-signed against the key set (directory and .tar.gz); manifest.sig is ' +
    '0600',
  async () => {
    const b = await bundle('signed', `--sign-key=${k1}`, '--archive');
    assert.ok(existsSync(join(b, 'manifest.sig')));
    assert.is(statSync(join(b, 'manifest.sig')).mode & 0o777, 0o600);
    verifyBundleDir(b); // the signature lies outside the manifest, like the manifest
    const r = await replay(b, '--require-signed', `--signing-keys=${set}`);
    assert.is(r.code, 0, r.err);
    assert.match(r.err, 'bundle signed by key "ops-1"');
    const a = await cli([
      'replay',
      `--bundle=${b}.tar.gz`,
      `--out=${join(dir, 'arch.replay.json')}`,
      '--require-signed',
      `--approval-key-set=${set}`,
    ]);
    assert.is(a.code, 0, a.err);
  },
);

test('unsigned → BYTEOR_E_BUNDLE_UNSIGNED (exit 4); without --require-signed it still replays', async () => {
  const b = await bundle('unsigned');
  const r = await replay(b, '--require-signed', `--signing-keys=${set}`);
  assert.is(r.code, 4, r.err);
  assert.match(r.err, 'BYTEOR_E_BUNDLE_UNSIGNED');
  assert.match(r.err, '--sign-key');
  assert.is((await cli(['replay', `--bundle=${b}`, `--out=${join(dir, 'u2.json')}`])).code, 0);
});

test(
  'signed by a key not in the set → BYTEOR_E_BUNDLE_SIGNER_UNTRUSTED (exit 4); the default key set lies next to ' +
    'the bundle',
  async () => {
    const b = await bundle('stranger', `--sign-key=${k2}`);
    const r = await replay(b, '--require-signed', `--signing-keys=${set}`);
    assert.is(r.code, 4, r.err);
    assert.match(r.err, 'BYTEOR_E_BUNDLE_SIGNER_UNTRUSTED');
    // signing_keys.json next to the bundle (dir/) is `set`: ops-1 only
    const d = await replay(b, '--require-signed');
    assert.is(d.code, 4);
    assert.match(d.err, 'BYTEOR_E_BUNDLE_SIGNER_UNTRUSTED');
  },
);

test(
  'a signed bundle whose manifest was re-sealed after ' + 'signing → BYTEOR_E_BUNDLE_SIGNATURE_INVALID (exit 6)',
  async () => {
    const b = await bundle('resealed', `--sign-key=${k1}`);
    addJournalWindow(b, ['forged-1', 'forged-2']); // a valid manifest again, but not the one that was signed
    verifyBundleDir(b);
    const r = await replay(b, '--require-signed', `--signing-keys=${set}`);
    assert.is(r.code, 6, r.err);
    assert.match(r.err, 'BYTEOR_E_BUNDLE_SIGNATURE_INVALID');
    writeFileSync(join(b, 'manifest.sig'), '{"sig_v":1}');
    const m = await replay(b, '--require-signed', `--signing-keys=${set}`);
    assert.is(m.code, 6);
    assert.match(m.err, 'BYTEOR_E_BUNDLE_SIGNATURE_INVALID');
  },
);

test(
  '--sign-key that cannot be read (exit 2) or is not an Ed25519 private key (exit 6) fails before anything is ' +
    'written',
  async () => {
    const r = await cli([
      'incident-bundle',
      `--out=${join(dir, 'nokey')}`,
      `--spec=${CHAIN}`,
      `--sign-key=${join(dir, 'absent.pem')}`,
    ]);
    assert.is(r.code, 2, r.err);
    assert.match(r.err, 'BYTEOR_E_BUNDLE_SIGN_KEY');
    assert.not.ok(existsSync(join(dir, 'nokey')));
    const r2 = await cli(['incident-bundle', `--out=${join(dir, 'badkey')}`, `--spec=${CHAIN}`, `--sign-key=${set}`]);
    assert.is(r2.code, 6, r2.err);
    assert.match(r2.err, 'BYTEOR_E_APPROVAL_PRIVATE_KEY_INVALID');
    assert.not.ok(existsSync(join(dir, 'badkey')));
    assert.ok(readFileSync(k1, 'utf8').includes('PRIVATE KEY'));
  },
);

test.run();
