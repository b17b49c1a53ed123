import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CODEC_MAPKV, CODEC_ROW, encodeRecord, ENVELOPE_BYTES } from '../../plugins/dataguard/envelope.ts';
import { hashString } from '../../plugins/dataguard/redact-values.ts';
import { BASE_COUNTERS, REJECT_REASONS } from '../../plugins/dataguard/stage-counters.ts';
import {
  encodeSample,
  mulberry32,
  sampleRecord,
  sampleRecords,
  type SampleRecord,
} from '../../scripts/dataguard-records.ts';
import { ALL_RULES, body, EXAMPLE_FLAGS, includesBytes, packr, runStage, runStages } from './stage-harness.ts';

const FUSED = { ...EXAMPLE_FLAGS, rule: ALL_RULES };
const rec = (fields: Record<string, unknown>, version = 1): SampleRecord => ({ version, fields });
const BASE = {
  txn_id: 1,
  ts: 1_700_000_000_000,
  card: '4111111111111111',
  email: 'jane@example.com',
  name: 'Jane',
  amount: 12.5,
  currency: 'EUR',
};
const mapRecord = (fields: Record<string, unknown>, version = 1) => encodeSample(rec(fields, version), 'mapkv');
const rawBody = (
  b: Uint8Array,
  h: Partial<{ codec: number; schemaId: number; msgType: number; version: number }> = {},
) =>
  encodeRecord(
    { codec: h.codec ?? CODEC_MAPKV, schemaId: h.schemaId ?? 7, msgType: h.msgType ?? 1, version: h.version ?? 1 },
    b,
  );

/** Every counter identity one stage must keep. */
function assertStageIdentities(c: Map<string, number>, redacting: boolean): void {
  const g = (k: string) => c.get(k) ?? 0;
  assert.is(g('seen'), g('accepted') + g('rejected'), 'seen = accepted + rejected');
  assert.is(
    REJECT_REASONS.reduce((a, r) => a + g(r), 0),
    g('rejected'),
    'reasons sum to rejected',
  );
  assert.is(g('out_drop'), g('rejected'));
  assert.is(g('out_forward_input') + g('out_forward_output'), g('accepted'));
  if (redacting) assert.is(g('redact_noop') + g('redact_applied'), g('accepted'));
  else assert.is(g('redact_noop') + g('redact_applied') + g('out_forward_output'), 0);
}

test('check forwards valid records byte for byte and drops each invalid one with its reason (mapkv)', () => {
  const good = mapRecord({ ...BASE, notes: null });
  const v2 = mapRecord({ ...BASE, device: new Uint8Array([1, 2]), ip: '10.0.0.1' }, 2);
  const dupKey = (() => {
    // a map with "card" twice: the decoder keeps the last, a downstream reader might keep the first
    const b = packr.pack({ ...BASE, card: '0000' });
    const extra = Buffer.concat([
      Buffer.from(packr.pack('card')).subarray(0),
      Buffer.from(packr.pack('4111111111111111')),
    ]);
    const n = 8;
    const start = b[0] === 0xde ? 3 : 1;
    return rawBody(Buffer.concat([Buffer.from([0x80 | n]), b.subarray(start), extra]));
  })();
  const cases: Array<[string, Uint8Array]> = [
    ['decode_err', new TextEncoder().encode('garbage')],
    ['decode_err', good.subarray(0, 10)],
    ['decode_err', good.subarray(0, good.length - 2)],
    ['decode_err', new Uint8Array([...good, 0xc0])],
    ['decode_err', rawBody(new Uint8Array(0))],
    ['decode_err', rawBody(new Uint8Array([0xc1]))],
    ['decode_err', dupKey],
    ['codec_mismatch', encodeSample(rec(BASE), 'mapkv', { codec: CODEC_ROW })],
    ['codec_mismatch', rawBody(packr.pack([1, 2, 3]))],
    ['codec_mismatch', rawBody(packr.pack('a string'))],
    ['schema_missing', mapRecord(BASE, 3)],
    ['schema_incompatible', encodeSample(rec(BASE), 'mapkv', { schemaId: 8 })],
    ['schema_incompatible', encodeSample(rec(BASE), 'mapkv', { msgType: 2 })],
    ['schema_incompatible', mapRecord({ ...BASE, email: undefined })],
    ['schema_incompatible', mapRecord({ ...BASE, email: null })],
    ['schema_incompatible', mapRecord({ ...BASE, amount: 'twelve' })],
    ['schema_incompatible', mapRecord({ ...BASE, txn_id: 1.5 })],
    ['schema_incompatible', mapRecord({ ...BASE, cvv: '123' })],
    ['schema_incompatible', mapRecord({ ...BASE, ip: '10.0.0.1' }, 1)],
  ];
  const records = [good, v2, ...cases.map((c) => c[1])];
  const { out, counters } = runStage('check', EXAMPLE_FLAGS, records);
  assert.equal(out[0], good, 'valid v1 record forwarded unchanged');
  assert.equal(out[1], v2, 'valid v2 record forwarded unchanged');
  const expected = new Map<string, number>();
  cases.forEach(([reason], i) => {
    assert.is(out[i + 2], null, `case ${i} (${reason}) dropped`);
    expected.set(reason, (expected.get(reason) ?? 0) + 1);
  });
  for (const r of REJECT_REASONS) assert.is(counters.get(r) ?? 0, expected.get(r) ?? 0, r);
  assert.is(counters.get('seen'), records.length);
  assert.is(counters.get('accepted'), 2);
  assert.is(counters.get('out_forward_input'), 2);
  assertStageIdentities(counters, false);
  assert.equal([...counters.keys()].sort(), [...BASE_COUNTERS].sort(), 'a check stage keeps only the base counters');
});

test('a version older than --required-version is schema_incompatible', () => {
  const { out, counters } = runStage('check', { ...EXAMPLE_FLAGS, 'required-version': 2 }, [
    mapRecord(BASE, 1),
    mapRecord(BASE, 2),
  ]);
  assert.is(out[0], null);
  assert.ok(out[1]);
  assert.is(counters.get('schema_incompatible'), 1);
});

test('row mode: arrays in schema field order, trailing optional fields may be omitted, nil only where optional', () => {
  const row = (values: unknown[], version = 1, codec = CODEC_ROW) => rawBody(packr.pack(values), { codec, version });
  const v = [1, 2, '4111111111111111', 'a@b.c', 'Jane', 1.5, 'EUR'];
  const records = [
    row(v),
    row([...v, null]),
    row([...v, 'note']),
    row([...v, null, new Uint8Array([9]), '10.1.1.1'], 2),
    row([...v, null, null], 2),
    row(v.slice(0, 6)),
    row([...v, 'n', 'extra']),
    row([1, 2, null, 'a@b.c', 'Jane', 1.5, 'EUR']),
    row([1, 2, 3, 'a@b.c', 'Jane', 1.5, 'EUR']),
    row(v, 1, CODEC_MAPKV),
    rawBody(packr.pack({ a: 1 }), { codec: CODEC_ROW }),
  ];
  const { out, counters } = runStage('check', { ...EXAMPLE_FLAGS, mode: 'row' }, records);
  assert.equal(
    out.map((o) => o !== null),
    [true, true, true, true, true, false, false, false, false, false, false],
  );
  assert.is(counters.get('schema_incompatible'), 4);
  assert.is(counters.get('codec_mismatch'), 2);
  assertStageIdentities(counters, false);
});

test(
  'fused applies every rule (mapkv): mask, hash, replace_with, ' + 'truncate, drop; untouched fields keep their values',
  () => {
    const input = {
      ...BASE,
      notes: 'call the customer back tomorrow',
      device: new Uint8Array([1, 2, 3]),
      ip: '10.1.2.3',
    };
    const { out, counters } = runStage('fused', FUSED, [mapRecord(input, 2)]);
    const o = body(out[0]!) as Record<string, unknown>;
    assert.equal(
      Object.keys(o),
      ['txn_id', 'ts', 'card', 'email', 'name', 'amount', 'currency', 'notes', 'device'],
      'schema field order, ip dropped',
    );
    assert.is(o.card, '************1111');
    assert.is(o.email, hashString('jane@example.com'));
    assert.is(o.name, '[redacted]');
    assert.is(o.notes, 'call the custome');
    assert.equal(
      Buffer.from(o.device as Uint8Array).toString('hex'),
      '039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81',
    );
    assert.is(o.txn_id, 1);
    assert.is(o.ts, 1_700_000_000_000);
    assert.is(o.amount, 12.5);
    assert.is(o.currency, 'EUR');
    assert.equal(
      Array.from(out[0]!.subarray(0, ENVELOPE_BYTES)),
      Array.from(mapRecord(input, 2).subarray(0, ENVELOPE_BYTES)),
      'envelope kept',
    );
    assert.is(counters.get('redact_applied'), 1);
    for (let i = 0; i < 6; i++) assert.is(counters.get(`rule.${i}.applied`), 1, `rule ${i}`);
    assertStageIdentities(counters, true);
  },
);

test('row mode redaction keeps positions: a dropped field becomes nil', () => {
  const v = [7, 8, '4111111111111111', 'a@b.c', 'Jane', 1.5, 'EUR', null, new Uint8Array([5]), '10.9.9.9'];
  const { out } = runStage('fused', { ...FUSED, mode: 'row' }, [
    rawBody(packr.pack(v), { codec: CODEC_ROW, version: 2 }),
  ]);
  const o = body(out[0]!) as unknown[];
  assert.is(o.length, 10);
  assert.equal(o.slice(0, 8), [7, 8, '************1111', hashString('a@b.c'), '[redacted]', 1.5, 'EUR', null]);
  assert.is((o[8] as Uint8Array).length, 32);
  assert.is(o[9], null);
});

test('a record no rule changes is forwarded byte for byte (redact_noop); absent and nil fields are left alone', () => {
  const input = mapRecord({ ...BASE, notes: null }, 1);
  const { out, counters } = runStage(
    'redact',
    { ...EXAMPLE_FLAGS, rule: ['notes:drop', 'ip:drop', 'currency:replace_with=EUR', 'name:truncate=10'] },
    [input],
  );
  assert.equal(out[0], input);
  assert.is(counters.get('redact_noop'), 1);
  assert.is(counters.get('out_forward_input'), 1);
  assertStageIdentities(counters, true);
});

test('same input and rules give byte-identical output, whatever the producer key order or integer width', () => {
  const fields = { ...BASE, notes: 'n', ip: '10.0.0.1', device: new Uint8Array([1]) };
  const reversed = Object.fromEntries(Object.entries(fields).reverse());
  const wideInts = rawBody(
    Buffer.concat([
      Buffer.from([0x80 | 10]),
      ...Object.entries(fields).map(([k, v]) =>
        k === 'txn_id'
          ? Buffer.concat([Buffer.from(packr.pack(k)), Buffer.from([0xcf, 0, 0, 0, 0, 0, 0, 0, 1])])
          : Buffer.concat([Buffer.from(packr.pack(k)), Buffer.from(packr.pack(v))]),
      ),
    ]),
    { version: 2 },
  );
  const inputs = [mapRecord(fields, 2), mapRecord(reversed, 2), wideInts];
  const a = runStage('fused', FUSED, inputs).out;
  const b = runStage('fused', { ...EXAMPLE_FLAGS, rule: [...ALL_RULES].reverse() }, inputs).out;
  assert.ok(a.every((o) => o !== null));
  assert.equal(a[1], a[0]);
  assert.equal(a[2], a[0]);
  assert.equal(b, a, 'rule order does not matter');
});

test('check then redact (two stages, two decodes) gives exactly the output and counts of fused (one decode)', () => {
  for (const mode of ['mapkv', 'row'] as const) {
    const records = sampleRecords({ mode, count: 60, seed: 3, badEvery: 4 });
    const flags = { ...FUSED, mode };
    const fused = runStages(['fused'], flags, records);
    const chain = runStages(['check', 'redact'], flags, records);
    assert.equal(chain.out, fused.out, mode);
    const [check, redact] = chain.stages;
    assert.is(redact!.get('seen'), check!.get('accepted'));
    assert.is(redact!.get('rejected'), 0);
    assert.is(redact!.get('redact_applied'), fused.stages[0]!.get('redact_applied'));
    assert.is(check!.get('rejected'), fused.stages[0]!.get('rejected'));
  }
});

test('a redacted record larger than the slot is rejected as redact_overflow, never truncated', () => {
  const input = mapRecord({ ...BASE, name: 'J' }, 1);
  const slot = Buffer.from(input).toString('base64').length + 8;
  const long = 'x'.repeat(200);
  const { out, counters } = runStage('fused', { ...EXAMPLE_FLAGS, rule: [`name:replace_with=${long}`] }, [input], slot);
  assert.is(out[0], null);
  assert.is(counters.get('redact_overflow'), 1);
  assert.is(counters.get('rule.0.applied'), 1, 'the rule applied; the result did not fit');
  assertStageIdentities(counters, true);
  const raw = runStage(
    'fused',
    { ...EXAMPLE_FLAGS, framing: 'raw', rule: [`name:replace_with=${long}`] },
    [input],
    input.length + 8,
  );
  assert.is(raw.out[0], null);
  assert.is(raw.counters.get('redact_overflow'), 1);
});

test('raw framing: records are bytes in the slot; the output is the same record bytes as under base64', () => {
  const records = sampleRecords({ mode: 'mapkv', count: 30, seed: 9, badEvery: 5 });
  const b64 = runStage('fused', FUSED, records).out;
  const raw = runStage('fused', { ...FUSED, framing: 'raw' }, records, 400).out;
  assert.equal(raw, b64);
  const bad = runStage('check', EXAMPLE_FLAGS, [new TextEncoder().encode('not base64!')]);
  assert.is(bad.counters.get('decode_err'), 1);
});

test('cost sampling times one record in N and adds cost counters', () => {
  const records = sampleRecords({ mode: 'mapkv', count: 40, seed: 2, badEvery: 0 });
  const { counters } = runStage('fused', { ...FUSED, 'cost-sampling': 4 }, records);
  assert.is(counters.get('cost.samples'), 10);
  assert.ok(counters.get('cost.total_ns')! > 0);
  assert.ok(counters.get('cost.decode_ns')! > 0 && counters.get('cost.decode_ns')! <= counters.get('cost.total_ns')!);
  assert.not.ok(runStage('fused', FUSED, records).counters.has('cost.samples'));
});

// ------------------------------------------------------------------------------------------
// properties over random records and rules

const SENSITIVE = ['card', 'email', 'name', 'ip'] as const;
const arbRules = fc.record({
  card: fc.constantFrom('card:mask=0:4:*', 'card:mask=2:2:#', 'card:hash', 'card:drop', 'card:truncate=4'),
  email: fc.constantFrom('email:hash', 'email:drop', 'email:mask=1:0:*'),
  name: fc.constantFrom('name:drop', 'name:hash', 'name:replace_with=[redacted]', 'name:mask=0:0:x'),
  ip: fc.constantFrom('ip:drop', 'ip:hash', 'ip:truncate=3'),
});

test('property: a dropped, hashed or masked value never appears in the output, and the counts add up', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1 << 30 }),
      arbRules,
      fc.constantFrom('mapkv', 'row'),
      fc.constantFrom('fused', 'chain'),
      (seed, rules, mode, shape) => {
        const rnd = mulberry32(seed);
        const logical = Array.from({ length: 12 }, (_, i) => sampleRecord(rnd, i));
        const records = logical.map((r) => encodeSample(r, mode));
        const flags = { ...EXAMPLE_FLAGS, mode, rule: Object.values(rules) };
        const roles = shape === 'fused' ? ['fused' as const] : ['check' as const, 'redact' as const];
        const { out, stages } = runStages(roles, flags, records);
        logical.forEach((r, i) => {
          const o = out[i];
          assert.ok(o, 'every generated record is valid');
          for (const f of SENSITIVE) {
            const v = r.fields[f];
            if (typeof v !== 'string' || v.length < 4) continue;
            assert.not.ok(includesBytes(o!, new TextEncoder().encode(v)), `${f}=${v} leaked under ${rules[f]}`);
          }
        });
        for (const [k, c] of stages.entries()) assertStageIdentities(c, roles[k] !== 'check');
        // determinism: the same input and rules again give the same bytes
        assert.equal(runStages(roles, flags, records).out, out);
      },
    ),
    { seed: 42, numRuns: 60 },
  );
});

test('property: random bytes never crash a stage; every record is accepted or rejected with one reason', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 120 }), { minLength: 1, maxLength: 20 }),
      fc.constantFrom('mapkv', 'row'),
      fc.boolean(),
      (blobs, mode, envelope) => {
        const records = blobs.map((b) =>
          envelope ? rawBody(b, { codec: mode === 'row' ? CODEC_ROW : CODEC_MAPKV, version: 1 + (b.length % 2) }) : b,
        );
        const { counters } = runStage('fused', { ...FUSED, mode }, records);
        assert.is(counters.get('seen'), records.length);
        assertStageIdentities(counters, true);
      },
    ),
    { seed: 13, numRuns: 200 },
  );
});

test.run();
