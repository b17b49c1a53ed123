/**
 * The DataGuard workload shared by dataguard_chain_mapkv and dataguard_fused_mapkv: the
 * example registry (schema 7, message type 1, version 1), the six example redaction rules, and
 * mapkv records (16-byte envelope + msgpack map, 126..219 bytes, seeded) carried raw in the
 * slots (--framing=raw: no base64 on the ring). Same records and rules as bench/components/dataguard_mapkv.ts.
 */
import { sampleRecords } from '../../scripts/dataguard-records.ts';
import { ALL_RULES, EXAMPLE_FLAGS } from '../../test/dataguard/stage-harness.ts';
import { recordPool, type PayloadPool } from './payloads.ts';

/** Slot payload bytes: redaction (hashes) can make a record longer than it came in. */
export const DATAGUARD_SLOT_BYTES = 512;

export function dataguardFlags(): Record<string, unknown> {
  return { ...EXAMPLE_FLAGS, rule: [...ALL_RULES], framing: 'raw' };
}

export function dataguardPool(): PayloadPool {
  const records = sampleRecords({ mode: 'mapkv', count: 256, seed: 1, badEvery: 0 });
  const min = Math.min(...records.map((r) => r.length));
  const max = Math.max(...records.map((r) => r.length));
  return recordPool(
    records,
    `DataGuard mapkv records, ${min}..${max} B (16-byte envelope + msgpack map of 10 fields), 256 seeded ` +
      `records cycled, raw framing; rules: ${ALL_RULES.join(' ')}`,
  );
}
