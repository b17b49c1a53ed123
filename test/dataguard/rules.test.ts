import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { ByteorError } from '../../kernel/index.ts';
import { loadSchemaContract } from '../../plugins/dataguard/registry.ts';
import { bindRules, parseRule, parseRules, policyDigest } from '../../plugins/dataguard/rules.ts';
import {
  codePointLength,
  hashBytes,
  hashString,
  maskString,
  truncateBytes,
  truncateString,
} from '../../plugins/dataguard/redact-values.ts';
import { EXAMPLE_REGISTRY } from './registry-fixture.ts';

const contract = loadSchemaContract(EXAMPLE_REGISTRY, 7, 1, 1);

function code(fn: () => unknown): { code: string; exit: number; message: string } {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ByteorError);
    return { code: (e as ByteorError).code, exit: (e as ByteorError).exitCode, message: (e as ByteorError).message };
  }
  assert.unreachable('expected an error');
  throw new Error('unreachable');
}

test('every rule form parses to its canonical spelling', () => {
  const cases: Array<[string, string, string]> = [
    ['notes:drop', 'drop', 'notes:drop'],
    ['name:replace_with=[redacted]', 'replace_with', 'name:replace_with=[redacted]'],
    ['name:replace_with=', 'replace_with', 'name:replace_with='],
    ['name:replace_with=a=b:c', 'replace_with', 'name:replace_with=a=b:c'],
    ['email:hash', 'hash', 'email:hash'],
    ['card:mask=0:4:*', 'mask', 'card:mask=0:4:*'],
    ['card:mask=02:04:#', 'mask', 'card:mask=2:4:#'],
    ['card:mask=1:1::', 'mask', 'card:mask=1:1::'],
    ['card:mask=1:1:🙈', 'mask', 'card:mask=1:1:🙈'],
    ['notes:truncate=16', 'truncate', 'notes:truncate=16'],
    ['notes:truncate=0', 'truncate', 'notes:truncate=0'],
  ];
  for (const [src, kind, canonical] of cases) {
    const r = parseRule(src);
    assert.is(r.action.kind, kind, src);
    assert.is(r.canonical, canonical, src);
    assert.is(r.source, src);
  }
  const m = parseRule('card:mask=2:4:#');
  assert.equal(m.action, { kind: 'mask', prefix: 2, suffix: 4, char: '#' });
});

test('a malformed rule is refused with BYTEOR_E_DATAGUARD_RULE_MALFORMED (exit 2), quoting the rule', () => {
  const bad = [
    'card',
    'card:',
    ':drop',
    'card:dorp',
    'card:drop=1',
    'card:hash=md5',
    'card:mask',
    'card:mask=1:2',
    'card:mask=a:2:*',
    'card:mask=1:2:',
    'card:mask=1:2:**',
    'card:mask=-1:2:*',
    'notes:truncate',
    'notes:truncate=',
    'notes:truncate=-1',
    'notes:truncate=1.5',
    'notes:truncate=99999999',
    'bad field:drop',
    '1card:drop',
    'card:replace_with=a\nb',
    'card:Drop',
  ];
  for (const src of bad) {
    const e = code(() => parseRule(src));
    assert.is(e.code, 'BYTEOR_E_DATAGUARD_RULE_MALFORMED', src);
    assert.is(e.exit, 2);
    assert.ok(e.message.includes(`--rule="${src}"`), e.message);
  }
});

test(
  'rules are bound to the schema: unknown field, wrong type or bad VALUE is BYTEOR_E_DATAGUARD_RULE_FIELD (exit ' +
    '2)',
  () => {
    const bad: Array<[string, RegExp]> = [
      ['cvv:drop', /has no field "cvv"/],
      ['amount:mask=0:2:*', /mask applies to string fields, and "amount" is float/],
      ['txn_id:hash', /hash applies to string and bytes fields, and "txn_id" is int/],
      ['device:mask=0:2:*', /"device" is bytes/],
      ['ts:truncate=3', /truncate applies to string and bytes fields/],
      ['txn_id:replace_with=abc', /is an int, so VALUE must be a whole number/],
      ['txn_id:replace_with=1.5', /whole number/],
      ['txn_id:replace_with=18446744073709551616', /does not fit a 64-bit integer/],
      ['amount:replace_with=NaN', /VALUE must be a decimal number/],
    ];
    for (const [src, why] of bad) {
      const e = code(() => bindRules(parseRules([src]), contract));
      assert.is(e.code, 'BYTEOR_E_DATAGUARD_RULE_FIELD', src);
      assert.is(e.exit, 2);
      assert.match(e.message, why);
      assert.ok(e.message.includes(`--rule="${src}"`));
    }
    const dup = code(() => parseRules(['card:drop', 'email:hash', 'card:hash']));
    assert.is(dup.code, 'BYTEOR_E_DATAGUARD_RULE_FIELD');
    assert.match(dup.message, /--rule="card:drop" and --rule="card:hash" both name field "card"/);
  },
);

test('replace_with values take the field type; bound rules are indexed in field-name order', () => {
  const rules = bindRules(
    parseRules(
      [
        'txn_id:replace_with=-5',
        'name:replace_with=x',
        'amount:replace_with=1.25e2',
        'device:replace_with=ab',
        'txn_id2:drop',
      ].slice(0, 4),
    ),
    contract,
  );
  assert.equal(
    rules.map((r) => r.field),
    ['amount', 'device', 'name', 'txn_id'],
  );
  assert.equal(
    rules.map((r) => r.index),
    [0, 1, 2, 3],
  );
  assert.is(rules[0]!.replacement, 125);
  assert.equal(rules[1]!.replacement, new TextEncoder().encode('ab'));
  assert.is(rules[2]!.replacement, 'x');
  assert.is(rules[3]!.replacement, -5);
  const big = bindRules(parseRules(['txn_id:replace_with=18446744073709551615']), contract);
  assert.is(big[0]!.replacement, 18446744073709551615n);
});

test('property: the policy (order and digest) does not depend on the order of the --rule flags', () => {
  const all = [
    'card:mask=0:4:*',
    'email:hash',
    'name:replace_with=[redacted]',
    'notes:truncate=16',
    'ip:drop',
    'device:hash',
  ];
  fc.assert(
    fc.property(fc.shuffledSubarray(all, { minLength: 1 }), fc.nat(), (subset, seed) => {
      const shuffled = [...subset].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7));
      const a = parseRules(subset);
      const b = parseRules(shuffled);
      assert.equal(
        a.map((r) => r.canonical),
        b.map((r) => r.canonical),
      );
      assert.is(policyDigest(a), policyDigest(b));
    }),
    { seed: 11, numRuns: 100 },
  );
  assert.is(policyDigest([]), `sha256:${createHash('sha256').update('').digest('hex')}`);
  assert.is.not(policyDigest(parseRules(['card:drop'])), policyDigest(parseRules(['card:hash'])));
});

test('hash: sha256: and 64 lower-case hex digits of the UTF-8 bytes; bytes hash to the 32 raw digest bytes', () => {
  assert.is(hashString('abc'), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (s) => {
      const h = hashString(s);
      assert.match(h, /^sha256:[0-9a-f]{64}$/);
      assert.is(h, `sha256:${createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex')}`);
      assert.is(hashString(s), h);
      if (s.length > 0) assert.not.ok(h.includes(s) && s.length > 8, 'the value does not appear in its hash');
    }),
    { seed: 3, numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      const d = hashBytes(b);
      assert.is(d.length, 32);
      assert.equal(Buffer.from(d), createHash('sha256').update(b).digest());
    }),
    { seed: 4, numRuns: 200 },
  );
});

const arbText = fc.string({ unit: 'grapheme', maxLength: 40 });
const arbChar = fc.constantFrom('*', '#', 'x', '•', '🙈');

test(
  'property: mask keeps P leading and S trailing code points, masks every other one, and never leaks a masked ' +
    'value',
  () => {
    fc.assert(
      fc.property(arbText, fc.nat(6), fc.nat(6), arbChar, (s, p, q, c) => {
        const out = maskString(s, p, q, c);
        const cps = Array.from(s);
        const n = cps.length;
        assert.is(codePointLength(out), n, 'same number of code points');
        const outCps = Array.from(out);
        if (n <= p + q) {
          assert.ok(
            outCps.every((x) => x === c),
            'a value no longer than P+S is masked whole',
          );
        } else {
          assert.equal(outCps.slice(0, p), cps.slice(0, p));
          assert.equal(outCps.slice(n - q), cps.slice(n - q));
          assert.ok(outCps.slice(p, n - q).every((x) => x === c));
        }
        // the value itself survives only if every masked code point already was the mask character
        const maskedPart = n <= p + q ? cps : cps.slice(p, n - q);
        if (maskedPart.some((x) => x !== c)) assert.is.not(out, s);
        if (!cps.includes(c) && maskedPart.length > 0) assert.not.ok(out.includes(s));
      }),
      { seed: 5, numRuns: 500 },
    );
    assert.is(maskString('4111111111111111', 0, 4, '*'), '************1111');
    assert.is(maskString('1234', 0, 4, '*'), '****');
    assert.is(maskString('a😀b😀c', 1, 1, '*'), 'a***c');
  },
);

test(
  'property: truncate keeps at most N code points (strings) ' + 'or bytes, as a prefix, never splitting a character',
  () => {
    fc.assert(
      fc.property(arbText, fc.nat(50), (s, n) => {
        const out = truncateString(s, n);
        assert.is(codePointLength(out), Math.min(codePointLength(s), n));
        assert.ok(s.startsWith(out));
        assert.not.ok(
          /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(out),
          'no lone surrogate',
        );
      }),
      { seed: 6, numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(100), (b, n) => {
        const out = truncateBytes(b, n);
        assert.is(out.length, Math.min(b.length, n));
        assert.equal(Array.from(out), Array.from(b.subarray(0, out.length)));
      }),
      { seed: 8, numRuns: 300 },
    );
  },
);

test.run();
