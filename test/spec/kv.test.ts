import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { formatKv, parseKv } from '../../kernel/spec/kv.ts';
import { MAX_KV_ERRORS, MAX_SPEC_BYTES } from '../../kernel/spec/limits.ts';
import { expectOne } from './helpers.ts';

const enc = new TextEncoder();

test('parses key=value lines with 1-based line numbers, skipping blank and # comment lines', () => {
  const r = parseKv('# a comment\nspec.version=1\n\nspec.name=a=b\n');
  assert.equal(r.errors, []);
  assert.equal(r.entries, [
    { key: 'spec.version', value: '1', line: 2 },
    { key: 'spec.name', value: 'a=b', line: 4 },
  ]);
});

test('CRLF line ends are accepted; a missing final newline is fine', () => {
  const r = parseKv('a=1\r\nb=2');
  assert.equal(r.errors, []);
  assert.equal(
    r.entries.map((e) => [e.key, e.value, e.line]),
    [
      ['a', '1', 1],
      ['b', '2', 2],
    ],
  );
});

test('non-ASCII bytes: error with line and column, never a crash', () => {
  const bytes = enc.encode('a=1\nspec.name=caf\u00e9\n');
  const r = parseKv(bytes);
  expectOne(r.errors, 'BYTEOR_E_SPEC_KV_NON_ASCII', {
    line: 2,
    message: /^line 2, column 14: byte 0xC3 \(not ASCII\)/,
  });
  const s = parseKv('a=\u2603\n');
  expectOne(s.errors, 'BYTEOR_E_SPEC_KV_NON_ASCII', { line: 1, message: /character U\+2603/ });
});

test('tabs and control characters are refused', () => {
  expectOne(parseKv('a=1\n\tb=2\n').errors, 'BYTEOR_E_SPEC_KV_NON_ASCII', { line: 2, message: /a tab character/ });
  expectOne(parseKv('a=\x1b[0m\n').errors, 'BYTEOR_E_SPEC_KV_NON_ASCII', {
    line: 1,
    message: /control character 0x1B/,
  });
});

test('a line without "=" is an error with its line', () => {
  expectOne(parseKv('a=1\nspec.version\n').errors, 'BYTEOR_E_SPEC_KV_NO_EQUALS', {
    line: 2,
    message: 'line 2 has no "=": every line is key=value (comment lines start with #)',
  });
});

test('whitespace around "=" or at the ends of a line is an error', () => {
  for (const line of ['a =1', 'a= 1', ' a=1', 'a=1 ', 'a = 1']) {
    expectOne(parseKv(`x=0\n${line}\n`).errors, 'BYTEOR_E_SPEC_KV_WHITESPACE', { line: 2 });
  }
  expectOne(parseKv('x=0\n   \n').errors, 'BYTEOR_E_SPEC_KV_WHITESPACE', {
    line: 2,
    message: 'line 2 holds only spaces; leave blank lines empty',
  });
});

test('empty key and malformed keys are errors', () => {
  expectOne(parseKv('=1\n').errors, 'BYTEOR_E_SPEC_KV_EMPTY_KEY', { line: 1 });
  for (const k of ['a..b', '.a', 'a.', 'a-b', 'a b'])
    expectOne(parseKv(`${k}=1\n`).errors, 'BYTEOR_E_SPEC_KV_BAD_KEY', { line: 1, key: k });
});

test('a duplicate key is an error at its second line, naming both lines', () => {
  const r = parseKv('a=1\nb=2\na=3\n');
  expectOne(r.errors, 'BYTEOR_E_SPEC_KV_DUPLICATE', {
    line: 3,
    key: 'a',
    message: 'a is set twice (lines 1 and 3); keep one',
  });
  assert.equal(
    r.entries.map((e) => e.value),
    ['1', '2'],
  );
});

test('empty input (no bytes, only blank lines, only comments) is BYTEOR_E_SPEC_EMPTY', () => {
  for (const t of ['', '\n\n', '# nothing here\n']) {
    const r = parseKv(t);
    assert.equal(r.entries, []);
    expectOne(r.errors, 'BYTEOR_E_SPEC_EMPTY');
  }
});

test('binary input (a NUL byte) is one BYTEOR_E_SPEC_BINARY error with the line', () => {
  const bytes = new Uint8Array([0x61, 0x3d, 0x31, 0x0a, 0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02, 0xff, 0x0a]);
  const r = parseKv(bytes);
  assert.is(r.errors.length, 1);
  expectOne(r.errors, 'BYTEOR_E_SPEC_BINARY', { line: 2 });
});

test('input over the size limit is refused before parsing', () => {
  const r = parseKv(new Uint8Array(MAX_SPEC_BYTES + 1).fill(0x61));
  expectOne(r.errors, 'BYTEOR_E_SPEC_TOO_LARGE');
});

test('error reporting stops after MAX_KV_ERRORS and says so', () => {
  const r = parseKv('junk\n'.repeat(MAX_KV_ERRORS + 50));
  assert.is(r.errors.length, MAX_KV_ERRORS + 1);
  assert.is(r.errors[r.errors.length - 1]!.code, 'BYTEOR_E_SPEC_KV_TOO_MANY_ERRORS');
});

// ---- property tests (seeded) -----------------------------------------------------------------

const segment = fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/);
const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('.'));
const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/);

test('property: formatKv then parseKv gives back the entries with their line numbers', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.record({ key, value }), { selector: (e) => e.key, minLength: 1, maxLength: 30 }),
      (entries) => {
        const r = parseKv(formatKv(entries));
        assert.equal(r.errors, []);
        assert.equal(
          r.entries,
          entries.map((e, i) => ({ ...e, line: i + 1 })),
        );
      },
    ),
    { seed: 0x5eed1, numRuns: 300 },
  );
});

test('property: arbitrary bytes never crash the parser; every error has a code and a message', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const r = parseKv(bytes);
      for (const d of r.errors) {
        assert.match(d.code, /^BYTEOR_E_SPEC_/);
        assert.ok(d.message.length > 0);
        if (d.line !== undefined) assert.ok(d.line >= 1);
      }
      for (const e of r.entries) assert.match(`${e.key}=${e.value}`, /^[\x20-\x7e]+$/);
    }),
    { seed: 0x5eed2, numRuns: 500 },
  );
});

test('property: arbitrary strings never crash the parser', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (s) => {
      const r = parseKv(s);
      assert.ok(Array.isArray(r.entries) && Array.isArray(r.errors));
      assert.ok(r.entries.length > 0 || r.errors.length > 0);
    }),
    { seed: 0x5eed3, numRuns: 500 },
  );
});

test.run();
