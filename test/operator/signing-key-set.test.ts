import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApprovalErrorCode,
  ByteorError,
  SigningKeySet,
  generateSigningKey,
  readKeySet,
  stableJson,
  writeJsonArtifact,
} from '../../kernel/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'byteor-keyset-'));
const a = generateSigningKey('2025-q2');
const b = generateSigningKey('2025-q3');

function code(fn: () => unknown): [string, number] {
  try {
    fn();
  } catch (e) {
    return [(e as ByteorError).code, (e as ByteorError).exitCode];
  }
  throw new Error('expected a ByteorError');
}

test('signing_keys.json round-trips: write → read → same document, same bytes', () => {
  const path = join(dir, 'signing_keys.json');
  const doc = { keys: [a.entry, { ...b.entry, status: 'retired' as const }] };
  writeJsonArtifact(path, SigningKeySet, doc);
  const text = readFileSync(path, 'utf8');
  assert.is(text, stableJson(SigningKeySet.parse(JSON.parse(text))));
  assert.ok(text.endsWith('}\n'));
  const set = readKeySet(path);
  assert.equal(set.keys, doc.keys);
  assert.equal([...set.active.keys()], ['2025-q2']);
  assert.is(set.active.get('2025-q2')!.asymmetricKeyType, 'ed25519');
});

test('a key set that is not JSON, fails its schema, repeats a kid or holds a 31-byte key is refused (exit 6)', () => {
  const path = join(dir, 'bad.json');
  const cases: unknown[] = [
    '{"keys": [',
    { keys: [{ ...a.entry, alg: 'rsa' }] },
    { keys: [{ ...a.entry, status: 'revoked' }] },
    { keys: [a.entry, { ...b.entry, kid: a.entry.kid }] },
    { keys: [{ ...a.entry, public_key: Buffer.alloc(31).toString('base64url') }] },
    { keys: [{ ...a.entry, public_key: `${a.entry.public_key.slice(0, 42)}B` }] }, // non-canonical tail bits
    { nope: [] },
  ];
  for (const c of cases) {
    writeFileSync(path, typeof c === 'string' ? c : JSON.stringify(c));
    assert.equal(
      code(() => readKeySet(path)),
      [ApprovalErrorCode.KEY_SET_INVALID, 6],
      JSON.stringify(c),
    );
  }
});

test('a missing key set is a policy denial (exit 4), an unreadable one an artifact error (exit 6)', () => {
  assert.equal(
    code(() => readKeySet(join(dir, 'none.json'))),
    [ApprovalErrorCode.KEY_SET_MISSING, 4],
  );
  assert.equal(
    code(() => readKeySet(dir)),
    [ApprovalErrorCode.KEY_SET_INVALID, 6],
  );
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
