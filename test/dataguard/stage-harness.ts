import { Packr, Unpackr } from 'msgpackr';
import type { StageCounters } from '../../kernel/index.ts';
import { ENVELOPE_BYTES } from '../../plugins/dataguard/envelope.ts';
import { createDataguardHandler } from '../../plugins/dataguard/stages.ts';
import type { DataguardRole } from '../../plugins/dataguard/spec-rules.ts';
import { SabBatch, testStageContext } from './sab-batch.ts';
import { EXAMPLE_REGISTRY } from './registry-fixture.ts';

/** Run flags as the kernel hands them to stage workers (parsed by the zod flag schema). */
export const EXAMPLE_FLAGS: Record<string, unknown> = {
  'registry-root': EXAMPLE_REGISTRY,
  'schema-id': 7,
  'msg-type': 1,
  'required-version': 1,
};

export const ALL_RULES = [
  'card:mask=0:4:*',
  'email:hash',
  'name:replace_with=[redacted]',
  'notes:truncate=16',
  'ip:drop',
  'device:hash',
];

export const packr = new Packr({ useRecords: false });
export const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'bigint' });

export const asBase64 = (r: Uint8Array): Uint8Array => new TextEncoder().encode(Buffer.from(r).toString('base64'));
export const fromBase64 = (t: Uint8Array): Uint8Array =>
  new Uint8Array(Buffer.from(new TextDecoder().decode(t), 'base64'));

/** The decoded body of a record (binary, envelope first). */
export function body(record: Uint8Array): unknown {
  return unpackr.unpack(Buffer.from(record.subarray(ENVELOPE_BYTES)));
}

export interface StageRun {
  /** per input record: its binary output, or null when dropped */
  out: Array<Uint8Array | null>;
  counters: Map<string, number>;
}

/**
 * Run DataGuard stages (in order, as a chain over one ring) over binary records, framed as the
 * flags say (base64 unless framing=raw). Returns each record's fate and each stage's counters.
 */
export function runStages(
  roles: readonly DataguardRole[],
  flags: Record<string, unknown>,
  records: readonly Uint8Array[],
  slotBytes = 512,
): { out: Array<Uint8Array | null>; stages: Map<string, number>[] } {
  const raw = flags.framing === 'raw';
  const batch = new SabBatch(Math.max(1, records.length), slotBytes);
  batch.load(records.map((r) => (raw ? r : asBase64(r))));
  const stages: Map<string, number>[] = [];
  roles.forEach((role, i) => {
    const { ctx, counters } = testStageContext(`dataguard_${role}`, flags, slotBytes, i);
    const h = createDataguardHandler(role, ctx);
    void h.onBatch(batch);
    stages.push(counters);
  });
  return { out: batch.outcome().map((o) => (o === null ? null : raw ? o : fromBase64(o))), stages };
}

export function runStage(
  role: DataguardRole,
  flags: Record<string, unknown>,
  records: readonly Uint8Array[],
  slotBytes = 512,
): StageRun {
  const r = runStages([role], flags, records, slotBytes);
  return { out: r.out, counters: r.stages[0]! };
}

/** Stage counters in the RunSummary.counters form (one shard). */
export function asSummaryCounters(
  stages: Map<string, number>[],
  roles: readonly DataguardRole[],
  firstIndex = 0,
): StageCounters[] {
  return stages.map((m, i) => ({
    stage: firstIndex + i,
    shard: 0,
    key: `dataguard_${roles[i]}`,
    values: Object.fromEntries(m),
  }));
}

export function includesBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
