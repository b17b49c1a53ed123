import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import {
  ApprovalErrorCode,
  ByteorError,
  canonicalJson,
  decodeApprovalCredential,
  decodeBase64url,
  encodeBase64url,
  generateSigningKey,
  signApprovalCredential,
  trustedKeySet,
  verifyApprovalCredential,
  capabilityCovers,
  missingCapabilities,
  type ApprovalPayloadV1,
} from '../../kernel/index.ts';

const SEED = 0x5eed5;
const fcOpts = { seed: SEED, numRuns: 150 };

const A = generateSigningKey('key-a');
const B = generateSigningKey('key-b');
const OLD = generateSigningKey('key-old');
const keys = trustedKeySet({ keys: [A.entry, B.entry, { ...OLD.entry, status: 'retired' }] });

const SPEC = `sha256:${'ab'.repeat(32)}`;
const OTHER_SPEC = `sha256:${'cd'.repeat(32)}`;
const T0 = Date.parse('2025-06-01T12:00:00Z');

function payload(over: Partial<ApprovalPayloadV1> = {}): ApprovalPayloadV1 {
  return {
    v: 1,
    kid: 'key-a',
    org_id: 'org-1',
    project_id: 'proj-1',
    environment_id: 'env-prod-eu',
    environment_posture: 'prod',
    spec_hash: SPEC,
    capabilities: ['http_post:https://hooks.example/a', 'exec:*'],
    issued_at: '2025-06-01T11:00:00Z',
    expires_at: '2025-06-01T13:00:00Z',
    issued_by: 'alice@example.com',
    approval_id: 'apr-0001',
    ...over,
  };
}
const expect = {
  specHash: SPEC,
  environment: 'prod' as const,
  capabilities: ['http_post:https://hooks.example/a', 'exec:/bin/true'],
  now: T0,
};

function rejects(fn: () => unknown, code: string): ByteorError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ByteorError);
    assert.is((e as ByteorError).code, code, (e as Error).message);
    assert.is((e as ByteorError).exitCode, 4);
    return e as ByteorError;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

// -- codec properties ------------------------------------------------------------------------

const jsonValue = fc.jsonValue({ maxDepth: 3 });

test('canonicalJson: parses back to the same value, no whitespace outside strings, key order irrelevant', () => {
  fc.assert(
    fc.property(jsonValue, (v) => {
      const text = canonicalJson(v);
      assert.equal(JSON.parse(text), JSON.parse(JSON.stringify(v)));
      assert.is(canonicalJson(JSON.parse(text)), text);
    }),
    fcOpts,
  );
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.integer()), (o) => {
      const reversed = Object.fromEntries(Object.entries(o).reverse());
      assert.is(canonicalJson(reversed), canonicalJson(o));
    }),
    fcOpts,
  );
  assert.is(canonicalJson({ b: [1, { d: true, c: null }], a: 'x y' }), '{"a":"x y","b":[1,{"c":null,"d":true}]}');
  assert.throws(() => canonicalJson({ a: Number.NaN }));
});

test('base64url: strict decode inverts encode and refuses padding, other alphabets and non-canonical tails', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 96 }), (bytes) => {
      const s = encodeBase64url(bytes);
      assert.equal([...decodeBase64url(s)!], [...bytes]);
      assert.is(decodeBase64url(`${s}=`), undefined);
    }),
    fcOpts,
  );
  assert.is(decodeBase64url('ab+c'), undefined);
  assert.is(decodeBase64url('ab/c'), undefined);
  assert.is(decodeBase64url('QR'), undefined); // 'QQ' is the canonical form of one byte 0x41
  assert.equal([...decodeBase64url('QQ')!], [0x41]);
});

const text1 = fc.string({ minLength: 1, maxLength: 20 });
const capability = fc.oneof(
  fc.constantFrom('http_post:*', 'exec:*'),
  fc.webUrl().map((u) => `http_post:${u}`),
  fc.array(fc.stringMatching(/^[a-z0-9/._-]{1,8}$/), { minLength: 1, maxLength: 3 }).map((p) => `exec:/${p.join('|')}`),
);
const arbPayload = fc
  .record({
    kid: fc.constantFrom('key-a', 'key-b'),
    org_id: text1,
    project_id: text1,
    environment_id: text1,
    issued_by: text1,
    approval_id: text1,
    environment_posture: fc.constantFrom('dev', 'staging', 'prod') as fc.Arbitrary<'dev' | 'staging' | 'prod'>,
    spec_hash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `sha256:${Buffer.from(b).toString('hex')}`),
    capabilities: fc.array(capability, { maxLength: 4 }),
    issued: fc.integer({ min: 0, max: 4_000_000_000 }),
    ttl: fc.integer({ min: 1, max: 90 * 86400 }),
  })
  .map(({ issued, ttl, ...r }) => ({
    v: 1 as const,
    ...r,
    issued_at: new Date(issued * 1000).toISOString().replace('.000Z', 'Z'),
    expires_at: new Date((issued + ttl) * 1000).toISOString().replace('.000Z', 'Z'),
  }));

test('sign → decode → verify round-trips every valid payload (keys rotate: a and b both active)', () => {
  fc.assert(
    fc.property(arbPayload, (p) => {
      const cred = signApprovalCredential(p, (p.kid === 'key-a' ? A : B).privateKeyPem);
      const decoded = decodeApprovalCredential(`\n${cred}\n`);
      assert.equal(decoded.payload, JSON.parse(canonicalJson(p)));
      assert.is(new TextDecoder().decode(decoded.payloadBytes), canonicalJson(p));
      const got = verifyApprovalCredential(cred, keys, {
        specHash: p.spec_hash,
        environment: p.environment_posture,
        capabilities: p.capabilities,
        now: Date.parse(p.issued_at),
      });
      assert.equal(got, p);
    }),
    { ...fcOpts, numRuns: 80 },
  );
});

test('any single-character change to a credential is rejected as undecodable or badly signed', () => {
  const cred = signApprovalCredential(payload(), A.privateKeyPem);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
  fc.assert(
    fc.property(fc.nat(cred.length - 1), fc.nat(alphabet.length - 1), (i, j) => {
      const c = alphabet[j]!;
      fc.pre(cred[i] !== c);
      const bad = cred.slice(0, i) + c + cred.slice(i + 1);
      try {
        verifyApprovalCredential(bad, keys, expect);
      } catch (e) {
        assert.ok(
          [ApprovalErrorCode.UNDECODABLE, ApprovalErrorCode.BAD_SIGNATURE].includes((e as ByteorError).code as never),
          (e as Error).message,
        );
        return;
      }
      assert.unreachable(`tampered credential accepted (position ${i} → ${c})`);
    }),
    { ...fcOpts, numRuns: 300 },
  );
});

// -- each rejection path, in ByteOr's order -------------------------------------------------

test('1. undecodable', () => {
  for (const bad of [
    '',
    'abc',
    'a.b.c',
    'QQ.QQ',
    '!!.QQ',
    `${encodeBase64url(new TextEncoder().encode('[1]'))}.${encodeBase64url(new Uint8Array(64))}`,
    `${encodeBase64url(new TextEncoder().encode('{"v":1}'))}.${encodeBase64url(new Uint8Array(64))}`,
  ]) {
    rejects(() => verifyApprovalCredential(bad, keys, expect), ApprovalErrorCode.UNDECODABLE);
  }
});

test('2. unknown kid, retired kid, wrong key, altered payload: bad signature', () => {
  const e1 = rejects(
    () => verifyApprovalCredential(signApprovalCredential(payload({ kid: 'nobody' }), A.privateKeyPem), keys, expect),
    ApprovalErrorCode.BAD_SIGNATURE,
  );
  assert.is(e1.details?.reason, 'unknown_kid');
  const e2 = rejects(
    () =>
      verifyApprovalCredential(signApprovalCredential(payload({ kid: 'key-old' }), OLD.privateKeyPem), keys, expect),
    ApprovalErrorCode.BAD_SIGNATURE,
  );
  assert.is(e2.details?.reason, 'retired_kid');
  const e3 = rejects(
    () => verifyApprovalCredential(signApprovalCredential(payload({ kid: 'key-a' }), B.privateKeyPem), keys, expect),
    ApprovalErrorCode.BAD_SIGNATURE,
  );
  assert.is(e3.details?.reason, 'bad_signature');
  // a payload swapped under a valid signature
  const good = signApprovalCredential(payload(), A.privateKeyPem);
  const other = signApprovalCredential(payload({ capabilities: ['http_post:*', 'exec:*'] }), A.privateKeyPem);
  rejects(
    () => verifyApprovalCredential(`${other.split('.')[0]}.${good.split('.')[1]}`, keys, expect),
    ApprovalErrorCode.BAD_SIGNATURE,
  );
  // a signature check comes before the version check
  rejects(
    () => verifyApprovalCredential(signRaw({ ...payload(), v: 2 }, B.privateKeyPem), keys, expect),
    ApprovalErrorCode.BAD_SIGNATURE,
  );
});

/** sign an arbitrary JSON object (bypassing the v1 schema) to reach the later checks */
function signRaw(obj: unknown, pem: string): string {
  const bytes = Buffer.from(canonicalJson(obj));
  return `${bytes.toString('base64url')}.${sign(null, bytes, createPrivateKey(pem)).toString('base64url')}`;
}

test('3. unsupported version; signed v1 payload failing its schema', () => {
  rejects(
    () => verifyApprovalCredential(signRaw({ ...payload(), v: 2 }, A.privateKeyPem), keys, expect),
    ApprovalErrorCode.UNSUPPORTED_VERSION,
  );
  rejects(
    () => verifyApprovalCredential(signRaw({ ...payload(), v: '1' }, A.privateKeyPem), keys, expect),
    ApprovalErrorCode.UNSUPPORTED_VERSION,
  );
  const { approval_id: _drop, ...noId } = payload();
  const e = rejects(
    () => verifyApprovalCredential(signRaw(noId, A.privateKeyPem), keys, expect),
    ApprovalErrorCode.PAYLOAD_INVALID,
  );
  assert.is(e.details?.field, 'approval_id');
  rejects(
    () => verifyApprovalCredential(signRaw({ ...payload(), issued_at: 'yesterday' }, A.privateKeyPem), keys, expect),
    ApprovalErrorCode.PAYLOAD_INVALID,
  );
  rejects(
    () => verifyApprovalCredential(signRaw({ ...payload(), environment_posture: 'qa' }, A.privateKeyPem), keys, expect),
    ApprovalErrorCode.PAYLOAD_INVALID,
  );
});

test('4. spec hash mismatch (checked before environment)', () => {
  const cred = signApprovalCredential(payload({ spec_hash: OTHER_SPEC, environment_posture: 'dev' }), A.privateKeyPem);
  rejects(() => verifyApprovalCredential(cred, keys, expect), ApprovalErrorCode.SPEC_MISMATCH);
});

test('5. environment mismatch (checked before expiry)', () => {
  const cred = signApprovalCredential(payload({ environment_posture: 'staging' }), A.privateKeyPem);
  rejects(
    () => verifyApprovalCredential(cred, keys, { ...expect, now: Date.parse('2030-01-01T00:00:00Z') }),
    ApprovalErrorCode.ENVIRONMENT_MISMATCH,
  );
});

test('6. expired at expires_at exactly, and not yet valid beyond the issued_at skew', () => {
  const cred = signApprovalCredential(payload(), A.privateKeyPem);
  rejects(
    () => verifyApprovalCredential(cred, keys, { ...expect, now: Date.parse('2025-06-01T13:00:00Z') }),
    ApprovalErrorCode.EXPIRED,
  );
  verifyApprovalCredential(cred, keys, { ...expect, now: Date.parse('2025-06-01T12:59:59Z') });
  // 4 min early: within skew
  verifyApprovalCredential(cred, keys, { ...expect, now: Date.parse('2025-06-01T10:56:00Z') });
  const e = rejects(
    () => verifyApprovalCredential(cred, keys, { ...expect, now: Date.parse('2025-06-01T10:54:00Z') }),
    ApprovalErrorCode.EXPIRED,
  );
  assert.is(e.details?.reason, 'not_yet_valid');
});

test('7. missing capability (an exact key, and a family wildcard for another family does not cover)', () => {
  const cred = signApprovalCredential(
    payload({ capabilities: ['http_post:https://hooks.example/a', 'http_post:*'] }),
    A.privateKeyPem,
  );
  const e = rejects(() => verifyApprovalCredential(cred, keys, expect), ApprovalErrorCode.MISSING_CAPABILITY);
  assert.equal(e.details?.missing, ['exec:/bin/true']);
});

test('capability matching: exact keys and family wildcards only', () => {
  assert.ok(capabilityCovers('http_post:*', 'http_post:https://a/b'));
  assert.ok(capabilityCovers('exec:/bin/x|a', 'exec:/bin/x|a'));
  assert.not.ok(capabilityCovers('exec:/bin/x', 'exec:/bin/x|a'));
  assert.not.ok(capabilityCovers('http_post:https://a/*', 'http_post:https://a/b'));
  assert.not.ok(capabilityCovers('http_post:*', 'http_posts:x'));
  assert.not.ok(capabilityCovers('http_post:*', 'exec:/bin/x'));
  fc.assert(
    fc.property(fc.array(capability), fc.array(capability), (granted, required) => {
      const missing = missingCapabilities(granted, required);
      for (const r of required) assert.is(missing.includes(r), !granted.some((g) => capabilityCovers(g, r)));
      assert.equal(missingCapabilities([...granted, ...required], required), []);
    }),
    fcOpts,
  );
});

test('signing refuses an invalid payload (exit 2) and a non-Ed25519 key (exit 6)', () => {
  try {
    signApprovalCredential(payload({ expires_at: '2025-06-01T10:00:00Z' }), A.privateKeyPem);
    assert.unreachable();
  } catch (e) {
    assert.is((e as ByteorError).code, ApprovalErrorCode.SIGN_INPUT);
    assert.is((e as ByteorError).exitCode, 2);
  }
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  try {
    signApprovalCredential(payload(), rsa);
    assert.unreachable();
  } catch (e) {
    assert.is((e as ByteorError).code, ApprovalErrorCode.PRIVATE_KEY_INVALID);
    assert.is((e as ByteorError).exitCode, 6);
  }
});

test.run();
