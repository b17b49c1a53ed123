/**
 * The records a producer of bench/components/single_ring.ts moves: already in a source buffer, as
 * an I/O read leaves them. SOURCE_RECORDS records of 64 bytes, record i being 8 f64 (i, 1..7); a
 * batch never wraps the source (every batch size divides it).
 */
export const SOURCE_RECORDS = 4096;
export const SOURCE_RECORD_BYTES = 64;

/** Fill a source: record i at f64 index `at` + 8i. */
export function fillSource(f64: Float64Array, at: number): void {
  for (let i = 0; i < SOURCE_RECORDS; i++) {
    const j = at + i * 8;
    f64[j] = i;
    for (let k = 1; k < 8; k++) f64[j + k] = k;
  }
}

/** The spans table of a source (u32 pairs from u32 index `at`): record i is bytes [64i, 64i + 64) of it. */
export function fillSpans(u32: Uint32Array, at: number): void {
  for (let i = 0; i < SOURCE_RECORDS; i++) {
    u32[at + 2 * i] = i * SOURCE_RECORD_BYTES;
    u32[at + 2 * i + 1] = (i + 1) * SOURCE_RECORD_BYTES;
  }
}
