// DataGuard's batch kernel (build/dataguard.wasm, plugins/dataguard/batch-kernel.ts) against the
// decode path: producer-written mapkv records (msgpackr, as scripts/dataguard-records.ts writes
// them: map16, float64 for integers past 32 bits, ints in float fields, non-ASCII and emoji text,
// nils, absent, extra and mistyped fields; or with wider headers and integer tags than needed)
// under random policies the kernel takes (drop, hash, mask, truncate, string replace_with, one
// rule a field), through onBatch in raw and base64 framing, slots roomy and tight (a rewritten
// record that would not fit). Every record gets the decode path's verdict and bytes, the counters
// agree, and most records are the kernel's own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { CODEC_MAPKV, encodeRecord } from '../../plugins/dataguard/envelope.ts';
import { type Framing } from '../../plugins/dataguard/framing.ts';
import type { FieldType, SchemaContract } from '../../plugins/dataguard/registry.ts';
import type { DataguardRole } from '../../plugins/dataguard/spec-rules.ts';
import { mulberry32 } from '../../scripts/dataguard-records.ts';
import { framed, onBatchLikeDecodePath, twoVersionContract } from './engine-harness.ts';

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const chance = (rnd: Rnd, p: number): boolean => rnd() < p;

const FIELDS: Array<[string, FieldType, boolean]> = [
  ['txn_id', 'int', true],
  ['ts', 'int', true],
  ['card', 'string', true],
  ['email', 'string', true],
  ['name', 'string', false],
  ['amount', 'float', true],
  ['ok', 'bool', false],
  ['notes', 'string', false],
  ['device', 'bytes', false],
  ['blob', 'bytes', false],
];

function contract(): SchemaContract {
  const fields = FIELDS.map(([name, type, required]) => ({ name, type, required }));
  return twoVersionContract(fields.slice(0, 7), fields.slice(0, 10));
}

const INTS = [
  0,
  1,
  127,
  128,
  255,
  256,
  65535,
  65536,
  2 ** 32 - 1,
  2 ** 32,
  1.7e12,
  2 ** 53 - 1,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32768,
  -32769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  -(2 ** 40),
];
const FLOATS = [0, 1.5, -2.25, 1e300, 3, -7, 12.5, 2 ** 40];
const TEXTS = ['', 'a', 'Jane Q Public', 'Zoë Ångström', '😀😀😀', 'x'.repeat(40), '4111111111111111', 'a@b.c'];

function randomValue(rnd: Rnd, type: FieldType): unknown {
  switch (type) {
    case 'int':
      return pick(rnd, INTS);
    case 'float':
      return pick(rnd, FLOATS);
    case 'bool':
      return chance(rnd, 0.5);
    case 'bytes':
      return Uint8Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256));
    default:
      return chance(rnd, 0.3)
        ? Array.from({ length: Math.floor(rnd() * 60) }, () => String.fromCharCode(32 + Math.floor(rnd() * 95))).join(
            '',
          )
        : pick(rnd, TEXTS);
  }
}

const packr = new Packr({ useRecords: false });

/**
 * msgpack of a map of the values above in a chosen, often wider than needed, encoding (map16 for
 * a few entries, str8/str16 headers for short text, bin16, integers in a wider tag that holds them),
 * as another producer may write it: the kernel re-encodes such values canonically.
 */
function widePack(rnd: Rnd, body: Record<string, unknown>): Uint8Array {
  const out: number[] = [];
  const u = (n: number, bytes: number) => {
    for (let i = bytes - 1; i >= 0; i--) out.push(Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));
  };
  const head = (fix: number, n: number, tags: number[]) => {
    // the shortest header, or one of the wider ones that still hold n
    const choices: Array<() => void> = [];
    if (fix >= 0 && n < 32) choices.push(() => out.push(fix | n));
    if (tags[0]! >= 0 && n < 0x100) choices.push(() => out.push(tags[0]!, n));
    if (n < 0x10000)
      choices.push(() => {
        out.push(tags[1]!);
        u(n, 2);
      });
    choices.push(() => {
      out.push(tags[2]!);
      u(n, 4);
    });
    pick(rnd, choices.slice(0, chance(rnd, 0.5) ? 1 : choices.length))();
  };
  const keys = Object.keys(body);
  if (chance(rnd, 0.5) && keys.length < 16) out.push(0x80 | keys.length);
  else {
    out.push(0xde);
    u(keys.length, 2);
  }
  for (const key of keys) {
    const kb = Buffer.from(key, 'utf8');
    if (chance(rnd, 0.8)) out.push(0xa0 | kb.length);
    else out.push(0xd9, kb.length);
    out.push(...kb);
    const v = body[key];
    if (v === null) out.push(0xc0);
    else if (typeof v === 'boolean') out.push(v ? 0xc3 : 0xc2);
    else if (typeof v === 'string') {
      const b = Buffer.from(v, 'utf8');
      head(0xa0, b.length, [0xd9, 0xda, 0xdb]);
      out.push(...b);
    } else if (v instanceof Uint8Array) {
      head(-1, v.length, [0xc4, 0xc5, 0xc6]);
      out.push(...v);
    } else if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 2 ** 53 && chance(rnd, 0.7)) {
      const tags: Array<[number, number]> =
        v >= 0
          ? [
              [0xcc, 1],
              [0xcd, 2],
              [0xce, 4],
              [0xcf, 8],
              [0xd3, 8],
            ]
          : [
              [0xd0, 1],
              [0xd1, 2],
              [0xd2, 4],
              [0xd3, 8],
            ];
      const fits = tags.filter(([t, n]) =>
        t === 0xd3 || t === 0xcf ? true : v >= 0 ? v < 2 ** (8 * n) : v >= -(2 ** (8 * n - 1)),
      );
      const [t, n] = pick(rnd, fits);
      out.push(t);
      u(v < 0 ? 2 ** (8 * n) + v : v, n);
    } else {
      out.push(0xcb);
      const d = Buffer.alloc(8);
      d.writeDoubleBE(v as number);
      out.push(...d);
    }
  }
  return Uint8Array.from(out);
}

/** A producer-written record: most well-formed, some with a field absent, nil, mistyped or unknown. */
function randomRecord(rnd: Rnd): Uint8Array {
  const version = chance(rnd, 0.5) ? 2 : 1;
  const fields = FIELDS.slice(0, version === 1 ? 7 : 10);
  const body: Record<string, unknown> = {};
  for (const [name, type, required] of [...fields].sort(() => (chance(rnd, 0.2) ? rnd() - 0.5 : 0))) {
    if (!required && chance(rnd, 0.2)) continue;
    if (!required && chance(rnd, 0.1)) body[name] = null;
    else if (chance(rnd, 0.02)) body[name] = randomValue(rnd, pick(rnd, ['int', 'string', 'bool'] as const));
    else body[name] = randomValue(rnd, type);
  }
  if (chance(rnd, 0.02)) body.extra = 1;
  const bytes = chance(rnd, 0.5) ? packr.pack(body) : widePack(rnd, body);
  return encodeRecord({ codec: CODEC_MAPKV, schemaId: 7, msgType: 1, version }, bytes);
}

/** A policy the kernel takes: at most one rule a field, rewrites only on string and bytes fields. */
function randomRules(rnd: Rnd): string[] {
  const out: string[] = [];
  for (const [name, type] of FIELDS) {
    if (chance(rnd, 0.4)) continue;
    const forms = ['drop'];
    if (type === 'string' || type === 'bytes') forms.push('hash', 'truncate=0', 'truncate=3', 'truncate=16');
    if (type === 'string')
      forms.push(
        'mask=0:4:*',
        'mask=2:2:#',
        'mask=1:0:é',
        'mask=0:0:😀',
        'replace_with=Jane Q Public',
        'replace_with=',
        // longer than any slot and the kernel's whole output area: refused (redact_overflow), never
        // truncated, and never written past the kernel's memory
        `replace_with=${'r'.repeat(300_000)}`,
      );
    if (type === 'bytes') forms.push('replace_with=abc');
    out.push(`${name}:${pick(rnd, forms)}`);
  }
  return out;
}

test('property: the batch kernel gives the decode path verdict, bytes and counters for every record', () => {
  let total = 0;
  let kernelled = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 30 }),
      fc.constantFrom<Framing>('raw', 'base64'),
      fc.constantFrom<DataguardRole>('check', 'redact', 'fused'),
      fc.integer({ min: 1, max: 300 }),
      fc.boolean(),
      (seed, framing, role, size, tight) => {
        const rnd = mulberry32(seed);
        const k = contract();
        const sources = randomRules(rnd);
        const records = Array.from({ length: size }, () => randomRecord(rnd));
        // tight: the largest record just fits, so some rewritten ones (hashes) do not
        const slot = tight ? Math.max(...framed(records, framing).map((t) => t.length)) : 1024;
        const engine = onBatchLikeDecodePath({ role, mode: 'mapkv', framing, contract: k, sources, records, slot });
        total += size;
        kernelled += engine.kernelled;
      },
    ),
    { seed: 20261207, numRuns: 120 },
  );
  assert.ok(kernelled > total / 2, `records the kernel settled: ${kernelled} of ${total}`);
});

test.run();
