import * as assert from 'uvu/assert';
import type { StageCounter } from '../../kernel/index.ts';
import { DataguardEngine, DROP, FORWARD_OUTPUT } from '../../plugins/dataguard/engine.ts';
import type { PayloadMode } from '../../plugins/dataguard/envelope.ts';
import { encodeBase64, type Framing } from '../../plugins/dataguard/framing.ts';
import type { SchemaContract, SchemaField } from '../../plugins/dataguard/registry.ts';
import { bindRules, parseRules } from '../../plugins/dataguard/rules.ts';
import { createStageCounters } from '../../plugins/dataguard/stage-counters.ts';
import type { DataguardRole } from '../../plugins/dataguard/spec-rules.ts';
import { mapCounter, SabBatch } from './sab-batch.ts';

/** The property tests' schema (id 7, type 1, family `f`, message `m`): version 1, and version 2. */
export function twoVersionContract(v1: SchemaField[], v2: SchemaField[]): SchemaContract {
  return {
    registryRoot: '/nowhere',
    schemaId: 7,
    msgType: 1,
    requiredVersion: 1,
    familyName: 'f',
    msgName: 'm',
    versions: [v1, v2].map((fields, i) => ({ schema_id: 7, msg_type: 1, msg_name: 'm', version: i + 1, fields })),
  };
}

/**
 * A DataGuard engine with counters the test reads (in place, or the decode path as the
 * reference), one record run through it in a slot, and a batch through onBatch held against the
 * decode path record by record (scan-path.test.ts, batch-kernel.test.ts).
 */
export function engineFor(
  role: DataguardRole,
  mode: PayloadMode,
  framing: Framing,
  contract: SchemaContract,
  sources: string[],
  slotBytes: number,
  inPlace: boolean,
) {
  const counters = new Map<string, number>();
  const counter = (name: string): StageCounter => mapCounter(counters, name);
  const rules = role === 'check' ? [] : bindRules(parseRules(sources), contract);
  const engine = new DataguardEngine({
    role,
    mode,
    framing,
    contract,
    rules,
    slotBytes,
    inPlace,
    costSampling: undefined,
    counters: createStageCounters(counter, rules.length, false),
  });
  return { engine, counters };
}

export interface Outcome {
  verdict: number;
  bytes: number[];
}

/** Run one record through the engine in a slot of slotBytes; the verdict and the slot's bytes after. */
export function runOne(engine: DataguardEngine, record: Uint8Array, framing: Framing, slotBytes: number): Outcome {
  const mem = new Uint8Array(8 + slotBytes);
  let len = record.length;
  if (framing === 'base64') len = encodeBase64(record, record.length, mem, 8);
  else mem.set(record, 8);
  const verdict = engine.processRecord(mem, 8, len);
  const end = verdict === FORWARD_OUTPUT ? 8 + engine.outLength : 8 + len;
  return { verdict, bytes: verdict === DROP ? [] : [...mem.subarray(8, end)] };
}

/** The records as slots hold them under the framing: the bytes, or their base64 text. */
export function framed(records: readonly Uint8Array[], framing: Framing): Uint8Array[] {
  return records.map((r) => {
    if (framing === 'raw') return r;
    const text = new Uint8Array(Math.ceil(r.length / 3) * 4);
    encodeBase64(r, r.length, text, 0);
    return text;
  });
}

/**
 * The records through onBatch of an in-place engine (one batch of slots of `slot` bytes) and each
 * through the decode path: fails on the first record whose verdict or bytes differ, and when the
 * counters do; returns the in-place engine (for its scanned / kernelled counts).
 */
export function onBatchLikeDecodePath(o: {
  role: DataguardRole;
  mode: PayloadMode;
  framing: Framing;
  contract: SchemaContract;
  sources: string[];
  records: readonly Uint8Array[];
  slot: number;
}): DataguardEngine {
  const { role, mode, framing, contract, sources, records, slot } = o;
  const batch = new SabBatch(records.length, slot);
  batch.load(framed(records, framing));
  const fast = engineFor(role, mode, framing, contract, sources, slot, true);
  fast.engine.onBatch(batch);
  const ref = engineFor(role, mode, framing, contract, sources, slot, false);
  const out = batch.outcome();
  records.forEach((r, i) => {
    const want = runOne(ref.engine, r, framing, slot);
    const got = out[i]!;
    const same =
      want.verdict === DROP
        ? got === null
        : got !== null && got.length === want.bytes.length && got.every((x, k) => x === want.bytes[k]);
    if (!same) {
      const hex = (b: Uint8Array | null) => (b === null ? 'dropped' : Buffer.from(b).toString('hex'));
      assert.unreachable(
        `record ${i} of ${records.length} (${hex(r)}), ${role} ${mode} ${framing} slot ${slot}, rules ` +
          `${sources.join(' ')}: onBatch ${hex(got)}, decode path ${want.verdict} ${hex(Uint8Array.from(want.bytes))}`,
      );
    }
  });
  assert.equal(Object.fromEntries(fast.counters), Object.fromEntries(ref.counters), 'counters');
  return fast.engine;
}
