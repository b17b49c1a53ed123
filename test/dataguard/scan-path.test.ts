import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { CODEC_MAPKV, CODEC_ROW, encodeRecord, type PayloadMode } from '../../plugins/dataguard/envelope.ts';
import { type Framing } from '../../plugins/dataguard/framing.ts';
import type { FieldType, SchemaContract, SchemaField } from '../../plugins/dataguard/registry.ts';
import { validUtf8 } from '../../plugins/dataguard/scan-path.ts';
import { Sha256 } from '../../plugins/dataguard/sha256.ts';
import type { DataguardRole } from '../../plugins/dataguard/spec-rules.ts';
import { mulberry32, sampleRecords } from '../../scripts/dataguard-records.ts';
import { engineFor, onBatchLikeDecodePath, runOne, twoVersionContract } from './engine-harness.ts';
import { ALL_RULES } from './stage-harness.ts';

/**
 * The in-place scan (plugins/dataguard/scan-path.ts) against the decode path it replaces on the
 * hot path (the engine with inPlace: false decodes every record with msgpackr, as before): for
 * random schemas, policies, records and msgpack encodings, both give the same verdict, output
 * bytes and counters for every record.
 */

// ---------------------------------------------------------------- a msgpack writer with choices

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const chance = (rnd: Rnd, p: number): boolean => rnd() < p;

class Bytes {
  readonly out: number[] = [];
  u8(...v: number[]): void {
    for (const x of v) this.out.push(x & 0xff);
  }
  u16(v: number): void {
    this.u8(v >>> 8, v);
  }
  u32(v: number): void {
    this.u8(v >>> 24, v >>> 16, v >>> 8, v);
  }
  u64(v: bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt.asUintN(64, v));
    this.u8(...b);
  }
  raw(b: Uint8Array): void {
    this.u8(...b);
  }
}

/** An integer in some valid msgpack form that holds it (not always the shortest). */
function writeInt(o: Bytes, v: bigint, rnd: Rnd): void {
  const forms: Array<() => void> = [];
  if (v >= 0n && v < 128n) forms.push(() => o.u8(Number(v)));
  if (v >= -32n && v < 0n) forms.push(() => o.u8(Number(v) & 0xff));
  if (v >= 0n && v < 256n) forms.push(() => o.u8(0xcc, Number(v)));
  if (v >= 0n && v < 65536n)
    forms.push(() => {
      o.u8(0xcd);
      o.u16(Number(v));
    });
  if (v >= 0n && v < 2n ** 32n)
    forms.push(() => {
      o.u8(0xce);
      o.u32(Number(v));
    });
  if (v >= 0n && v < 2n ** 64n)
    forms.push(() => {
      o.u8(0xcf);
      o.u64(v);
    });
  if (v >= -128n && v < 128n) forms.push(() => o.u8(0xd0, Number(v)));
  if (v >= -32768n && v < 32768n)
    forms.push(() => {
      o.u8(0xd1);
      o.u16(Number(v) & 0xffff);
    });
  if (v >= -(2n ** 31n) && v < 2n ** 31n)
    forms.push(() => {
      o.u8(0xd2);
      o.u32(Number(v) >>> 0);
    });
  if (v >= -(2n ** 63n) && v < 2n ** 63n)
    forms.push(() => {
      o.u8(0xd3);
      o.u64(v);
    });
  pick(rnd, forms)();
}

function writeFloat(o: Bytes, v: number, rnd: Rnd): void {
  const b = Buffer.alloc(8);
  if (Math.fround(v) === v || Number.isNaN(v) ? chance(rnd, 0.5) : false) {
    b.writeFloatBE(v);
    o.u8(0xca, ...b.subarray(0, 4));
    return;
  }
  b.writeDoubleBE(v);
  o.u8(0xcb, ...b);
}

function strHeader(o: Bytes, n: number, rnd: Rnd): void {
  const forms: Array<() => void> = [];
  if (n < 32)
    forms.push(
      () => o.u8(0xa0 | n),
      () => o.u8(0xa0 | n),
    );
  if (n < 256) forms.push(() => o.u8(0xd9, n));
  if (n < 65536)
    forms.push(() => {
      o.u8(0xda);
      o.u16(n);
    });
  forms.push(() => {
    o.u8(0xdb);
    o.u32(n);
  });
  pick(rnd, forms)();
}

function binHeader(o: Bytes, n: number, rnd: Rnd): void {
  const forms: Array<() => void> = [];
  if (n < 256) forms.push(() => o.u8(0xc4, n));
  if (n < 65536)
    forms.push(() => {
      o.u8(0xc5);
      o.u16(n);
    });
  forms.push(() => {
    o.u8(0xc6);
    o.u32(n);
  });
  pick(rnd, forms)();
}

function containerHeader(o: Bytes, n: number, map: boolean, rnd: Rnd): void {
  const forms: Array<() => void> = [];
  if (n < 16)
    forms.push(
      () => o.u8((map ? 0x80 : 0x90) | n),
      () => o.u8((map ? 0x80 : 0x90) | n),
    );
  forms.push(() => {
    o.u8(map ? 0xde : 0xdc);
    o.u16(n);
  });
  forms.push(() => {
    o.u8(map ? 0xdf : 0xdd);
    o.u32(n);
  });
  pick(rnd, forms)();
}

const TEXTS = [
  '',
  'a',
  'Jane',
  'jane@example.com',
  '4111111111111111',
  'Zoë Ångström',
  '😀 emoji 😀x',
  '日本語テキスト',
  '****',
  'sha256:00',
  'x'.repeat(40),
  '\u0000nul',
  '\uFFFD',
  'a'.repeat(300),
];

function randomText(rnd: Rnd): string {
  if (chance(rnd, 0.6)) return pick(rnd, TEXTS);
  const alphabet = ['a', 'b', '*', '#', 'é', 'ß', '€', '😀', '𝄞', ' ', '9'];
  return Array.from({ length: Math.floor(rnd() * 24) }, () => pick(rnd, alphabet)).join('');
}

/** UTF-8 bytes of a string, sometimes not well-formed (a stray byte, an overlong, a surrogate). */
function textBytes(rnd: Rnd): Uint8Array {
  const b = Buffer.from(randomText(rnd), 'utf8');
  if (!chance(rnd, 0.08)) return b;
  const bad = pick(rnd, [
    [0xff],
    [0xc0, 0x81],
    [0xed, 0xa0, 0x80],
    [0xe2, 0x82],
    [0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xc3],
  ]);
  const at = Math.floor(rnd() * (b.length + 1));
  return Uint8Array.from([...b.subarray(0, at), ...bad, ...b.subarray(at)]);
}

const INTS = [
  0n,
  1n,
  -1n,
  31n,
  -32n,
  -33n,
  127n,
  128n,
  255n,
  256n,
  65535n,
  65536n,
  -129n,
  -32769n,
  2n ** 31n,
  -(2n ** 31n) - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  -(2n ** 53n),
  -(2n ** 53n) - 1n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  -(2n ** 63n),
  1_700_000_000_000n,
];
const FLOATS = [
  0,
  -0,
  1.5,
  -2.25,
  12.5,
  3,
  -7,
  1e300,
  -1e-300,
  Infinity,
  -Infinity,
  NaN,
  2 ** 60,
  -(2 ** 63),
  2 ** 64,
  2 ** 53 + 2,
  0.1,
];

/** One value: mostly of the field's type, sometimes of another type or a nested/odd one. */
function writeValue(o: Bytes, type: FieldType | 'any', rnd: Rnd): void {
  const t =
    type === 'any' || chance(rnd, 0.06)
      ? pick(rnd, ['string', 'int', 'float', 'bool', 'bytes', 'nil', 'nested', 'ext'] as const)
      : type;
  switch (t) {
    case 'string': {
      const b = textBytes(rnd);
      strHeader(o, b.length, rnd);
      o.raw(b);
      return;
    }
    case 'int':
      writeInt(o, pick(rnd, INTS), rnd);
      return;
    case 'float':
      writeFloat(o, pick(rnd, FLOATS), rnd);
      return;
    case 'bool':
      o.u8(chance(rnd, 0.5) ? 0xc3 : 0xc2);
      return;
    case 'bytes': {
      const n = pick(rnd, [0, 1, 8, 32, 40]);
      binHeader(o, n, rnd);
      for (let i = 0; i < n; i++) o.u8(Math.floor(rnd() * 256));
      return;
    }
    case 'nil':
      o.u8(0xc0);
      return;
    case 'nested':
      if (chance(rnd, 0.5)) {
        containerHeader(o, 1, false, rnd);
        writeValue(o, 'any', rnd);
      } else {
        containerHeader(o, 1, true, rnd);
        o.u8(0xa1, 0x6b);
        writeValue(o, 'any', rnd);
      }
      return;
    default:
      if (chance(rnd, 0.5))
        o.u8(0xd6, 0xff, 0, 0, 0, 1); // timestamp 32
      else o.u8(0xc1);
  }
}

// ---------------------------------------------------------------- random schemas and policies

const NAMES = [
  'a',
  'b',
  'id',
  'txn_id',
  'card',
  'email',
  'name',
  'amount',
  'ok',
  'blob',
  'constructor',
  'toString',
  'x-y',
  'a.b',
  '_z',
  'n'.repeat(40),
];

function randomContract(rnd: Rnd): SchemaContract {
  const names = [...NAMES].sort(() => rnd() - 0.5).slice(0, 1 + Math.floor(rnd() * 8));
  const fields: SchemaField[] = names.map((name) => ({
    name,
    type: pick(rnd, ['string', 'int', 'float', 'bool', 'bytes'] as const),
    required: chance(rnd, 0.5),
  }));
  const extra = [...NAMES]
    .filter((n) => !names.includes(n))
    .slice(0, Math.floor(rnd() * 3))
    .map(
      (name): SchemaField => ({
        name,
        type: pick(rnd, ['string', 'int', 'float', 'bool', 'bytes'] as const),
        required: false,
      }),
    );
  return twoVersionContract(fields, [...fields, ...extra]);
}

function randomRules(rnd: Rnd, contract: SchemaContract): string[] {
  const out: string[] = [];
  for (const f of contract.versions[1]!.fields) {
    if (chance(rnd, 0.35) || out.length >= 12) continue;
    const forms: string[] = ['drop'];
    const rep: Record<FieldType, string[]> = {
      string: ['', 'Jane', '[redacted]', '😀é', '\uFFFD', '****'],
      int: ['0', '-1', '1700000000000', '9007199254740993', '18446744073709551615', '-9223372036854775808'],
      float: ['0', '-0', '1.5', '3', '1e999', '12.5'],
      bool: ['true', 'false'],
      bytes: ['', 'abc'],
    };
    for (const v of rep[f.type]) forms.push(`replace_with=${v}`);
    if (f.type === 'string' || f.type === 'bytes') forms.push('hash', 'truncate=0', 'truncate=3', 'truncate=16');
    if (f.type === 'string') forms.push('mask=0:4:*', 'mask=2:2:#', 'mask=1:0:é', 'mask=0:0:😀', 'mask=3:3:*');
    out.push(`${f.name}:${pick(rnd, forms)}`);
  }
  return out;
}

/** A record for the contract: its envelope version, and a body with known, odd and broken parts. */
function randomRecord(rnd: Rnd, contract: SchemaContract, mode: PayloadMode): Uint8Array {
  const version = chance(rnd, 0.5) ? 2 : 1;
  const fields = contract.versions[version - 1]!.fields;
  const o = new Bytes();
  if (mode === 'mapkv') {
    const entries: Array<[string, FieldType | 'any']> = [];
    for (const f of fields) {
      if (chance(rnd, f.required ? 0.04 : 0.3)) continue;
      entries.push([f.name, f.type]);
    }
    if (chance(rnd, 0.05)) entries.push([pick(rnd, NAMES), 'any']); // unknown or repeated key
    if (chance(rnd, 0.03) && entries.length > 0) entries.push(entries[0]!);
    entries.sort(() => rnd() - 0.5);
    containerHeader(o, entries.length, true, rnd);
    for (const [k, t] of entries) {
      if (chance(rnd, 0.02))
        writeInt(o, 5n, rnd); // a key that is not a string
      else {
        const kb = Buffer.from(k);
        strHeader(o, kb.length, rnd);
        o.raw(kb);
      }
      if (chance(rnd, 0.08)) o.u8(0xc0);
      else writeValue(o, t, rnd);
    }
  } else {
    let n = fields.length;
    while (n > 0 && !fields[n - 1]!.required && chance(rnd, 0.3)) n--;
    if (chance(rnd, 0.05)) n++;
    containerHeader(o, n, false, rnd);
    for (let i = 0; i < n; i++) {
      const f = fields[i];
      if (f === undefined) writeValue(o, 'any', rnd);
      else if (chance(rnd, f.required ? 0.03 : 0.2)) o.u8(0xc0);
      else writeValue(o, f.type, rnd);
    }
  }
  if (chance(rnd, 0.03)) o.u8(0xc0); // bytes after the value
  let body = Uint8Array.from(o.out);
  if (chance(rnd, 0.03)) body = body.subarray(0, Math.floor(rnd() * body.length));
  const codec = chance(rnd, 0.03)
    ? mode === 'mapkv'
      ? CODEC_ROW
      : CODEC_MAPKV
    : mode === 'mapkv'
      ? CODEC_MAPKV
      : CODEC_ROW;
  return encodeRecord({ codec, schemaId: 7, msgType: 1, version: chance(rnd, 0.02) ? 3 : version }, body);
}

// ---------------------------------------------------------------- running both engines

function compare(
  role: DataguardRole,
  mode: PayloadMode,
  framing: Framing,
  contract: SchemaContract,
  sources: string[],
  records: Uint8Array[],
  slotBytes: number,
) {
  const fast = engineFor(role, mode, framing, contract, sources, slotBytes, true);
  const ref = engineFor(role, mode, framing, contract, sources, slotBytes, false);
  records.forEach((r, i) => {
    const a = runOne(fast.engine, r, framing, slotBytes);
    const b = runOne(ref.engine, r, framing, slotBytes);
    if (a.verdict !== b.verdict || a.bytes.length !== b.bytes.length || a.bytes.some((x, k) => x !== b.bytes[k])) {
      assert.unreachable(
        `record ${i} (${Buffer.from(r).toString('hex')}), ${role} ${mode} ${framing}, rules ${sources.join(' ')}` +
          `: in place ${a.verdict} ${Buffer.from(a.bytes).toString('hex')}, decode path ${b.verdict} ` +
          `${Buffer.from(b.bytes).toString('hex')}`,
      );
    }
  });
  assert.equal(
    Object.fromEntries(fast.counters),
    Object.fromEntries(ref.counters),
    `counters (${role} ${mode} ${framing})`,
  );
  assert.is(ref.engine.scanned, 0, 'the reference decodes every record');
  return fast.engine;
}

const fitSlot = (records: Uint8Array[], framing: Framing): number => {
  const max = Math.max(...records.map((r) => r.length));
  return framing === 'raw' ? max : Math.ceil(max / 3) * 4;
};

// ---------------------------------------------------------------- tests

test('sha256 and validUtf8 agree with node:crypto and TextDecoder', () => {
  const sha = new Sha256();
  const out = new Uint8Array(64);
  const fatal = new TextDecoder('utf-8', { fatal: true });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(5), (b, skip) => {
      const start = Math.min(skip, b.length);
      sha.hex(b, start, b.length - start, out, 0);
      assert.is(Buffer.from(out).toString('latin1'), createHash('sha256').update(b.subarray(start)).digest('hex'));
      sha.digest(b, start, b.length - start, out, 0);
      assert.equal([...out.subarray(0, 32)], [...createHash('sha256').update(b.subarray(start)).digest()]);
      let ok = true;
      try {
        fatal.decode(b);
      } catch {
        ok = false;
      }
      assert.is(validUtf8(b, 0, b.length), ok);
    }),
    { seed: 7, numRuns: 400 },
  );
  for (const s of ['Zoë', '😀', '\uFFFD', 'a\u0800b', '\u{10FFFF}'])
    assert.ok(validUtf8(Buffer.from(s), 0, Buffer.byteLength(s)));
});

test(
  "property: the in-place scan gives the decode path's verdicts, output bytes and counters (random schemas, " +
    'rules, encodings)',
  () => {
    let scanned = 0,
      total = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom<PayloadMode>('mapkv', 'row'),
        fc.constantFrom<Framing>('raw', 'base64'),
        fc.constantFrom<DataguardRole>('check', 'redact', 'fused'),
        fc.nat(3),
        (seed, mode, framing, role, tight) => {
          const rnd = mulberry32(seed);
          const contract = randomContract(rnd);
          const sources = randomRules(rnd, contract);
          const records = Array.from({ length: 40 }, () => randomRecord(rnd, contract, mode));
          // mostly a roomy slot; sometimes one just big enough for the input, so that longer output overflows
          const slot = tight === 0 ? fitSlot(records, framing) : 4096;
          const fast = compare(role, mode, framing, contract, sources, records, slot);
          scanned += fast.scanned;
          total += records.length;
        },
      ),
      { seed: 20261207, numRuns: 300 },
    );
    // the comparison means something only if most records take the in-place path
    assert.ok(scanned > total * 0.3, `in place: ${scanned} of ${total}`);
  },
);

test(
  'property: a batch through onBatch (records kept until their hashes run in one call) gives what the decode path ' +
    'gives each record',
  () => {
    let kept = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom<PayloadMode>('mapkv', 'row'),
        fc.constantFrom<Framing>('raw', 'base64'),
        fc.constantFrom<DataguardRole>('redact', 'fused'),
        fc.integer({ min: 1, max: 200 }),
        fc.nat(3),
        (seed, mode, framing, role, size, tight) => {
          const rnd = mulberry32(seed);
          const contract = randomContract(rnd);
          // a policy with a hash rule where a field can take one (then records are kept)
          let sources = randomRules(rnd, contract);
          const hashable = contract.versions[1]!.fields.find((f) => f.type === 'string' || f.type === 'bytes');
          if (hashable !== undefined && !sources.some((r) => r.endsWith(':hash')))
            sources = [...sources.filter((r) => !r.startsWith(`${hashable.name}:`)), `${hashable.name}:hash`];
          const records = Array.from({ length: size }, () => randomRecord(rnd, contract, mode));
          const slot = tight === 0 ? fitSlot(records, framing) : 4096;
          const engine = onBatchLikeDecodePath({ role, mode, framing, contract, sources, records, slot });
          if (hashable !== undefined) kept += engine.scanned;
        },
      ),
      { seed: 20261209, numRuns: 200 },
    );
    assert.ok(kept > 2000, `records redacted in place with a hash rule: ${kept}`);
  },
);

function exampleContract(): SchemaContract {
  return {
    registryRoot: '/nowhere',
    schemaId: 7,
    msgType: 1,
    requiredVersion: 1,
    familyName: 'payments',
    msgName: 'card_auth',
    versions: [1, 2].map((version) => ({
      schema_id: 7,
      msg_type: 1,
      msg_name: 'card_auth',
      version,
      fields: [
        ['txn_id', 'int'],
        ['ts', 'int'],
        ['card', 'string'],
        ['email', 'string'],
        ['name', 'string'],
        ['amount', 'float'],
        ['currency', 'string'],
        ['notes', 'string', false],
        ...(version === 2
          ? [
              ['device', 'bytes', false],
              ['ip', 'string', false],
            ]
          : []),
      ].map(([name, type, req]) => ({ name: name as string, type: type as FieldType, required: req !== false })),
    })),
  };
}

test("the example records and rules take the in-place path only, and give the decode path's bytes", () => {
  const contract = exampleContract();
  for (const mode of ['mapkv', 'row'] as const) {
    const records = sampleRecords({ mode, count: 300, seed: 3, badEvery: 0 });
    for (const framing of ['raw', 'base64'] as const) {
      for (const role of ['check', 'redact', 'fused'] as const) {
        const fast = compare(role, mode, framing, contract, [...ALL_RULES], records, 512);
        assert.is(fast.decoded, 0, `${mode} ${framing} ${role}: no record falls back`);
        assert.is(fast.scanned, records.length);
      }
    }
  }
});

test("the example mapkv records through onBatch are all the batch kernel's, with the decode path's bytes", () => {
  const contract = exampleContract();
  const records = sampleRecords({ mode: 'mapkv', count: 600, seed: 5, badEvery: 0 });
  for (const framing of ['raw', 'base64'] as const) {
    for (const role of ['check', 'redact', 'fused'] as const) {
      const engine = onBatchLikeDecodePath({
        role,
        mode: 'mapkv',
        framing,
        contract,
        sources: [...ALL_RULES],
        records,
        slot: 512,
      });
      assert.is(engine.kernelled, records.length, `${framing} ${role}: every record settled by the kernel`);
    }
  }
});

test.run();
