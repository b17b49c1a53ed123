import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../kernel/cli.ts';
import { findApprovalCredential } from '../../kernel/approval/material.ts';
import { ApprovalErrorCode } from '../../kernel/approval/error-codes.ts';
import { ByteorError } from '../../kernel/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'byteor-approval-material-'));

function refused(fn: () => unknown): ByteorError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ByteorError, String(e));
    return e as ByteorError;
  }
  assert.unreachable('expected a refusal');
  throw new Error('unreachable');
}

test('a missing --approval file is refused as missing, naming the path, even when its name is token-shaped', () => {
  // "approval.cred" and "ops.json" match <base64url>.<base64url>: they used to be read as inline tokens (UNDECODABLE)
  for (const value of [
    'approval.cred',
    'ops.json',
    'APPROVAL.CRED',
    'creds/approval',
    './a.b',
    'sub/x.y',
    'no-such-file',
  ]) {
    const e = refused(() => findApprovalCredential({ approval: value }, dir));
    assert.is(e.code, ApprovalErrorCode.MISSING, `${value}: ${e.message}`);
    assert.is(e.exitCode, 4);
    assert.is(e.details?.path, join(dir, value), value);
    assert.ok(e.message.includes(join(dir, value)), e.message);
  }
  const dotted = refused(() => findApprovalCredential({ approval: 'approval.cred' }, dir));
  assert.match(dotted.message, /does not exist/);
});

test('an existing file is read; a token-shaped value that names no file stays an inline token', () => {
  writeFileSync(join(dir, 'approval.cred'), 'abc.def\n');
  assert.equal(findApprovalCredential({ approval: 'approval.cred' }, dir), {
    text: 'abc.def\n',
    source: join(dir, 'approval.cred'),
  });
  rmSync(join(dir, 'approval.cred'));
  const token = `${'eyJ2IjoxfQ'}.${'A'.repeat(86)}`;
  assert.equal(findApprovalCredential({ approval: token }, dir), { text: token, source: 'inline' });
});

test(
  'approval verify --approval=approval.cred (missing): ' + 'exit 4, BYTEOR_E_APPROVAL_MISSING naming the file',
  async () => {
    let err = '';
    const code = await main(
      [
        'approval',
        'verify',
        '--approval=approval.cred',
        `--key-set=${join(dir, 'signing_keys.json')}`,
        `--spec-hash=sha256:${'1f'.repeat(32)}`,
        '--env=dev',
      ],
      {
        io: {
          out: () => {},
          err: (t) => {
            err += t;
          },
          tty: false,
          color: false,
        },
        env: {},
      },
    );
    assert.is(code, 4, err);
    assert.match(err, /error\[BYTEOR_E_APPROVAL_MISSING\]: .*approval\.cred does not exist/);
  },
);

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
