import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../kernel/cli.ts';

/** Run the CLI in-process; returns exit code, stdout and stderr. */
async function cli(...argv: string[]) {
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
    env: { USER: 'tester' },
  });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'byteor-approval-verb-'));
const pem = join(dir, 'ops.pem');
const keySet = join(dir, 'signing_keys.json');
const cred = join(dir, 'approval.cred');
const HASH = `sha256:${'1f'.repeat(32)}`;

test('keygen writes a 0600 private key and an active key-set entry; never overwrites', async () => {
  const r = await cli('approval', 'keygen', '--kid=ops-1', `--private-key=${pem}`, `--key-set=${keySet}`, '--json');
  assert.is(r.code, 0, r.err);
  const doc = JSON.parse(r.out);
  assert.is(doc.kid, 'ops-1');
  assert.is(statSync(pem).mode & 0o777, 0o600);
  const set = JSON.parse(readFileSync(keySet, 'utf8'));
  assert.equal(
    set.keys.map((k: { kid: string; status: string }) => [k.kid, k.status]),
    [['ops-1', 'active']],
  );
  assert.is(set.keys[0].public_key, doc.public_key);
  const again = await cli('approval', 'keygen', '--kid=ops-2', `--private-key=${pem}`, `--key-set=${keySet}`);
  assert.is(again.code, 2);
  assert.match(again.err, 'BYTEOR_E_APPROVAL_KEYGEN_EXISTS');
  const dupKid = await cli(
    'approval',
    'keygen',
    '--kid=ops-1',
    `--private-key=${join(dir, 'other.pem')}`,
    `--key-set=${keySet}`,
  );
  assert.is(dupKid.code, 2);
  // a second key joins the set (rotation)
  const second = await cli(
    'approval',
    'keygen',
    '--kid=ops-2',
    `--private-key=${join(dir, 'ops2.pem')}`,
    `--key-set=${keySet}`,
  );
  assert.is(second.code, 0, second.err);
  assert.is(JSON.parse(readFileSync(keySet, 'utf8')).keys.length, 2);
});

test('sign then verify; verify refuses another environment, spec, or a missing capability with exit 4', async () => {
  const s = await cli(
    'approval',
    'sign',
    `--private-key=${pem}`,
    '--kid=ops-1',
    `--spec-hash=${HASH}`,
    '--env=staging',
    '--capability=http_post:*',
    '--ttl=2h',
    '--approval-id=apr-7',
    `--out=${cred}`,
    '--now=2025-06-01T12:00:00Z',
    '--json',
  );
  assert.is(s.code, 0, s.err);
  const signed = JSON.parse(s.out);
  assert.is(signed.payload.expires_at, '2025-06-01T14:00:00Z');
  assert.is(signed.payload.issued_by, `tester@${(await import('node:os')).hostname()}`);
  assert.is(signed.payload.environment_id, 'staging');
  assert.is(readFileSync(cred, 'utf8'), `${signed.credential}\n`);

  const base = ['approval', 'verify', `--approval=${cred}`, `--key-set=${keySet}`, '--now=2025-06-01T13:00:00Z'];
  const ok = await cli(...base, `--spec-hash=${HASH}`, '--env=staging', '--capability=http_post:https://x/y', '--json');
  assert.is(ok.code, 0, ok.err);
  assert.is(JSON.parse(ok.out).payload.approval_id, 'apr-7');
  // the token itself can be passed inline
  const inline = await cli(
    'approval',
    'verify',
    `--approval=${signed.credential}`,
    `--key-set=${keySet}`,
    '--now=2025-06-01T13:00:00Z',
    `--spec-hash=${HASH}`,
    '--env=staging',
  );
  assert.is(inline.code, 0, inline.err);

  const cases: Array<[string[], string]> = [
    [[`--spec-hash=${HASH}`, '--env=prod'], 'BYTEOR_E_APPROVAL_ENVIRONMENT_MISMATCH'],
    [[`--spec-hash=sha256:${'00'.repeat(32)}`, '--env=staging'], 'BYTEOR_E_APPROVAL_SPEC_MISMATCH'],
    [[`--spec-hash=${HASH}`, '--env=staging', '--capability=exec:/bin/true'], 'BYTEOR_E_APPROVAL_MISSING_CAPABILITY'],
  ];
  for (const [extra, code] of cases) {
    const r = await cli(...base, ...extra, '--json');
    assert.is(r.code, 4, `${code}: ${r.err}`);
    assert.is(JSON.parse(r.out).error.code, code);
  }
  const late = await cli(
    'approval',
    'verify',
    `--approval=${cred}`,
    `--key-set=${keySet}`,
    '--now=2025-06-01T14:00:00Z',
    `--spec-hash=${HASH}`,
    '--env=staging',
  );
  assert.is(late.code, 4);
  assert.match(late.err, 'BYTEOR_E_APPROVAL_EXPIRED');
});

test('--spec: the hash and the capabilities the spec needs are derived; verify with --spec checks them', async () => {
  const root = new URL('../..', import.meta.url).pathname;
  const spec = join(dir, 'notify.kv');
  writeFileSync(
    spec,
    readFileSync(join(root, 'examples/chain.kv'), 'utf8')
      .replace('spec.name=chain', 'spec.name=notify\nplugins.0=actiongraph')
      .replace('single_ring.stages.2.key=identity', 'single_ring.stages.2.key=http_post:https://hooks.example/a'),
  );
  const v = await cli('validate', `--spec=${spec}`, '--json');
  assert.is(v.code, 0, v.err);
  const hash = JSON.parse(v.out).spec_hash as string;
  const s = await cli(
    'approval',
    'sign',
    `--private-key=${pem}`,
    '--kid=ops-1',
    `--spec=${spec}`,
    '--env=prod',
    '--json',
  );
  assert.is(s.code, 0, s.err);
  const { payload, credential } = JSON.parse(s.out);
  assert.is(payload.spec_hash, hash);
  assert.equal(payload.capabilities, ['http_post:https://hooks.example/a']);
  const ok = await cli(
    'approval',
    'verify',
    `--approval=${credential}`,
    `--key-set=${keySet}`,
    `--spec=${spec}`,
    '--env=prod',
  );
  assert.is(ok.code, 0, ok.err);
  const both = await cli(
    'approval',
    'verify',
    `--approval=${credential}`,
    `--key-set=${keySet}`,
    `--spec=${spec}`,
    `--spec-hash=${HASH}`,
    '--env=prod',
  );
  assert.is(both.code, 2);
});

test('usage errors: no action, unknown action, missing flag, bad ttl', async () => {
  assert.is((await cli('approval')).code, 2);
  assert.is((await cli('approval', 'mint')).code, 2);
  assert.is((await cli('approval', 'sign', `--private-key=${pem}`, '--kid=ops-1', '--env=dev')).code, 2);
  assert.is(
    (
      await cli(
        'approval',
        'sign',
        `--private-key=${pem}`,
        '--kid=ops-1',
        '--env=dev',
        `--spec-hash=${HASH}`,
        '--ttl=forever',
      )
    ).code,
    2,
  );
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
