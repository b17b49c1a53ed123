#!/usr/bin/env -S node --conditions=source --import tsx
/**
 * Sample DataGuard input: `card_auth` records of the example registry (examples/dataguard/registry,
 * schema 7, message type 1, versions 1 and 2) in the DataGuard envelope, one base64 record per line
 * (the `--framing=base64` line input of `run --sp`).
 *
 *   node --conditions=source --import tsx scripts/dataguard-records.ts \
 *     [--mode=mapkv|row] [--count=N] [--seed=N] [--bad-every=N] [--out=FILE]
 *
 * --bad-every=N makes every Nth record invalid, cycling through the reject reasons (decode_err,
 * codec_mismatch, schema_missing, schema_incompatible, truncated body). Same flags, same bytes.
 * Producers encode with plain msgpackr (not canonical), as a real producer would.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Packr } from 'msgpackr';
import { CODEC_MAPKV, CODEC_ROW, encodeRecord, type PayloadMode } from '../plugins/dataguard/envelope.ts';

export const SAMPLE_SCHEMA_ID = 7;
export const SAMPLE_MSG_TYPE = 1;
export const SAMPLE_FIELDS = [
  'txn_id',
  'ts',
  'card',
  'email',
  'name',
  'amount',
  'currency',
  'notes',
  'device',
  'ip',
] as const;

/** A small seeded PRNG (mulberry32): the same seed gives the same records. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Jane Q Public', 'John Doe', 'Erika Mustermann', 'Mario Rossi', 'Zoë Ångström', 'Li Wei'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY'];
const NOTES = ['first purchase', 'recurring: gym membership 12 months', 'call customer back about chargeback', 'vip'];

export interface SampleRecord {
  version: number;
  fields: Record<string, unknown>;
}

/** The logical content of record i (version 1 or 2, optional fields sometimes absent). */
export function sampleRecord(rnd: () => number, i: number): SampleRecord {
  const digits = Array.from({ length: 16 }, () => Math.floor(rnd() * 10)).join('');
  const fields: Record<string, unknown> = {
    txn_id: i + 1,
    ts: 1_700_000_000_000 + i * 137,
    card: digits,
    email: `user${Math.floor(rnd() * 100000)}@example.com`,
    name: NAMES[Math.floor(rnd() * NAMES.length)],
    amount: Math.round(rnd() * 100000) / 100,
    currency: CURRENCIES[Math.floor(rnd() * CURRENCIES.length)],
  };
  if (rnd() < 0.5) fields.notes = NOTES[Math.floor(rnd() * NOTES.length)];
  const version = rnd() < 0.5 ? 2 : 1;
  if (version === 2) {
    if (rnd() < 0.7) fields.device = Uint8Array.from({ length: 8 }, () => Math.floor(rnd() * 256));
    if (rnd() < 0.7) fields.ip = `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`;
  }
  return { version, fields };
}

const packr = new Packr({ useRecords: false });

/** Encode a logical record as a DataGuard record (envelope + msgpackr body) in the given mode. */
export function encodeSample(
  r: SampleRecord,
  mode: PayloadMode,
  over: Partial<{ codec: number; schemaId: number; msgType: number; version: number }> = {},
): Uint8Array {
  let body: unknown;
  if (mode === 'mapkv') {
    // a producer's own key order: shuffled deterministically by txn_id, to show output order is canonical
    const keys = Object.keys(r.fields);
    const rot = Number(r.fields.txn_id ?? 0) % keys.length;
    body = Object.fromEntries([...keys.slice(rot), ...keys.slice(0, rot)].map((k) => [k, r.fields[k]]));
  } else {
    const n = r.version === 2 ? SAMPLE_FIELDS.length : 8;
    let last = -1;
    const row = SAMPLE_FIELDS.slice(0, n).map((f, i) => {
      const v = r.fields[f];
      if (v !== undefined) last = i;
      return v ?? null;
    });
    body = row.slice(0, Math.max(last + 1, 7));
  }
  return encodeRecord(
    {
      codec: over.codec ?? (mode === 'row' ? CODEC_ROW : CODEC_MAPKV),
      schemaId: over.schemaId ?? SAMPLE_SCHEMA_ID,
      msgType: over.msgType ?? SAMPLE_MSG_TYPE,
      version: over.version ?? r.version,
    },
    packr.pack(body),
  );
}

/** Invalid record number k (cycles through the reject reasons). */
export function badRecord(rnd: () => number, i: number, mode: PayloadMode, k: number): Uint8Array {
  const good = sampleRecord(rnd, i);
  switch (k % 5) {
    case 0:
      return new TextEncoder().encode('this is not a DataGuard record');
    case 1:
      return encodeSample(good, mode, { codec: mode === 'row' ? CODEC_MAPKV : CODEC_ROW });
    case 2:
      return encodeSample(good, mode, { version: 9 });
    case 3: {
      const { email: _drop, ...rest } = good.fields;
      return encodeSample({ version: good.version, fields: rest }, mode);
    }
    default: {
      const rec = encodeSample(good, mode);
      return rec.subarray(0, rec.length - 3);
    }
  }
}

export interface SampleOptions {
  mode: PayloadMode;
  count: number;
  seed: number;
  /** every Nth record is invalid (0: none) */
  badEvery: number;
}

export function sampleRecords(o: SampleOptions): Uint8Array[] {
  const rnd = mulberry32(o.seed);
  const out: Uint8Array[] = [];
  let bad = 0;
  for (let i = 0; i < o.count; i++) {
    if (o.badEvery > 0 && (i + 1) % o.badEvery === 0) out.push(badRecord(rnd, i, o.mode, bad++));
    else out.push(encodeSample(sampleRecord(rnd, i), o.mode));
  }
  return out;
}

/** One base64 record per line, newline-terminated. */
export function toBase64Lines(records: readonly Uint8Array[]): string {
  return records.map((r) => `${Buffer.from(r).toString('base64')}\n`).join('');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'mapkv' },
      count: { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      'bad-every': { type: 'string', default: '0' },
      out: { type: 'string' },
    },
  });
  const mode = values.mode === 'row' ? 'row' : values.mode === 'mapkv' ? 'mapkv' : undefined;
  const count = Number(values.count),
    seed = Number(values.seed),
    badEvery = Number(values['bad-every']);
  if (
    !mode ||
    !Number.isInteger(count) ||
    count < 0 ||
    !Number.isInteger(seed) ||
    !Number.isInteger(badEvery) ||
    badEvery < 0
  ) {
    process.stderr.write(
      'usage: dataguard-records.ts [--mode=mapkv|row] [--count=N] [--seed=N] [--bad-every=N] [--out=FILE]\n',
    );
    process.exit(2);
  }
  const text = toBase64Lines(sampleRecords({ mode, count, seed, badEvery }));
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
}
