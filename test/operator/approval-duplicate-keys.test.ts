import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createPrivateKey, sign } from 'node:crypto';
import { ApprovalErrorCode } from '../../kernel/approval/error-codes.ts';
import { generateSigningKey, trustedKeySet } from '../../kernel/approval/key-set.ts';
import { canonicalJson } from '../../kernel/approval/canonical-json.ts';
import { signApprovalCredential } from '../../kernel/approval/credential.ts';
import { verifyApprovalCredential } from '../../kernel/approval/verify.ts';
import { findDuplicateJsonKey } from '../../kernel/approval/duplicate-json-keys.ts';
import { ByteorError } from '../../kernel/errors.ts';

const A = generateSigningKey('key-a');
const keys = trustedKeySet({ keys: [A.entry] });
const SPEC = `sha256:${'ab'.repeat(32)}`;
const T0 = Date.parse('2025-06-01T12:00:00Z');
const payload = {
  v: 1,
  kid: 'key-a',
  org_id: 'org-1',
  project_id: 'proj-1',
  environment_id: 'env-prod-eu',
  environment_posture: 'prod',
  spec_hash: SPEC,
  capabilities: ['exec:/bin/true'],
  issued_at: '2025-06-01T11:00:00Z',
  expires_at: '2025-06-01T13:00:00Z',
  issued_by: 'alice@example.com',
  approval_id: 'apr-0001',
};
const expect = { specHash: SPEC, environment: 'prod' as const, capabilities: ['exec:/bin/rm'], now: T0 };

/**
 * Sign exactly these payload bytes with the trusted key (what a forger holding a signed payload cannot do, but a
 * careless signer can).
 */
function signBytes(text: string): string {
  const bytes = Buffer.from(text);
  return `${bytes.toString('base64url')}.${sign(null, bytes, createPrivateKey(A.privateKeyPem)).toString('base64url')}`;
}

test(
  'a signed payload with a duplicate key is refused ' + '(UNDECODABLE, exit 4), whichever copy a reader would take',
  () => {
    // a reviewer reading the first "capabilities" sees exec:/bin/true; JSON.parse keeps the last one
    const canon = canonicalJson(payload);
    const dupCap = canon.replace(
      '"capabilities":["exec:/bin/true"]',
      '"capabilities":["exec:/bin/true"],"capabilities":["exec:*"]',
    );
    const dupEnv = canon.replace(
      '"environment_posture":"prod"',
      '"environment_posture":"dev","environment_posture":"prod"',
    );
    const escaped = canon.replace('"spec_hash"', '"spec_hash":"sha256:00","\\u0073pec_hash"');
    for (const [label, text, key] of [
      ['capabilities', dupCap, 'capabilities'],
      ['environment', dupEnv, 'environment_posture'],
      ['escaped spelling', escaped, 'spec_hash'],
    ] as const) {
      assert.ok(text !== canon, label);
      let err: unknown;
      try {
        verifyApprovalCredential(signBytes(text), keys, expect);
      } catch (e) {
        err = e;
      }
      assert.instance(err, ByteorError, `${label}: accepted`);
      const e = err as ByteorError;
      assert.is(e.code, ApprovalErrorCode.UNDECODABLE, `${label}: ${e.message}`);
      assert.is(e.exitCode, 4);
      assert.match(e.message, new RegExp(`duplicate key "${key}"`), label);
    }
    // the same payload without the duplicate verifies up to its capability check
    try {
      verifyApprovalCredential(signApprovalCredential(payload as never, A.privateKeyPem), keys, expect);
      assert.unreachable();
    } catch (e) {
      assert.is((e as ByteorError).code, ApprovalErrorCode.MISSING_CAPABILITY);
    }
  },
);

test(
  'findDuplicateJsonKey: found at any depth (objects in arrays in objects), with its path; escapes compared ' +
    'decoded',
  () => {
    assert.is(findDuplicateJsonKey('{"a":1,"b":{"c":[1,{"d":2}]}}'), undefined);
    assert.equal(findDuplicateJsonKey('{"a":1,"a":2}'), { key: 'a', path: '' });
    assert.equal(findDuplicateJsonKey('{"a":{"b":[0,{"x":1," x":2,"x":3}]}}'), { key: 'x', path: 'a.b[1]' });
    assert.equal(findDuplicateJsonKey('[{"k":"\\"}{,:[","\\u006b":0}]'), { key: 'k', path: '[0]' });
    assert.is(findDuplicateJsonKey('{"a":{"x":1},"b":{"x":1}}'), undefined); // the same key in sibling objects is fine
    assert.is(findDuplicateJsonKey('"{\\"a\\":1,\\"a\\":2}"'), undefined); // inside a string it is not a key
  },
);

test('findDuplicateJsonKey property: none in JSON.stringify output; one found wherever a key is repeated', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
      assert.is(findDuplicateJsonKey(JSON.stringify(v)), undefined);
      assert.is(findDuplicateJsonKey(JSON.stringify(v, null, 2)), undefined);
    }),
    { seed: 0x15d0b, numRuns: 300 },
  );
  // repeat the first key of some object in the document
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string(), (v, k) => {
      fc.pre(k !== 'after');
      const text = JSON.stringify({ wrap: [v, { [k]: 1, after: v }] });
      const i = text.lastIndexOf(`{${JSON.stringify(k)}:1`);
      const dup = `${text.slice(0, i + 1)}${JSON.stringify(k)}:0,${text.slice(i + 1)}`;
      const found = findDuplicateJsonKey(dup);
      assert.ok(found, dup);
    }),
    { seed: 0x15d0c, numRuns: 300 },
  );
});

test.run();
