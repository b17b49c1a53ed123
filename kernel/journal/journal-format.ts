/**
 * The ingress journal's on-disk format (docs/runtime.md "Journal"). A journal is a directory of
 * append-only segment files `segment-<n>.bjl` (n = 8 decimal digits, increasing; a restarted
 * runtime continues the numbering). Each segment:
 *
 *   file header, 32 bytes: magic "BYJL", version u32 = 1, segment number u32, reserved u32,
 *                          created_unix_ms f64, reserved 8 bytes (little-endian)
 *   records: header 8 bytes = payload_len u32 + flags u32, then the payload, zero-padded to a
 *            multiple of 8 bytes
 *
 * flags: FLAG_SEGMENT_META — msgpackr map {run_id, spec_hash, segment, created_unix_ms}, the first
 *        record of every segment; FLAG_BATCH_META — msgpackr map {run_id, first_index, shard,
 *        first_seq, count, unix_ms}, written before the `count` data records of one published
 *        batch; 0 — a data record: the ingress record's bytes exactly.
 * A segment is closed when the next batch would make it larger than the segment size (a batch
 * never spans segments; an empty segment takes any batch). A torn tail (a crash mid-write) is
 * detected by the reader and ignored.
 */
export const JOURNAL_MAGIC = 0x4c4a5942; // "BYJL" little-endian
export const JOURNAL_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 32;
export const RECORD_HEADER_BYTES = 8;
export const FLAG_DATA = 0;
export const FLAG_SEGMENT_META = 1;
export const FLAG_BATCH_META = 2;
export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
export const DEFAULT_KEEP_SEGMENTS = 16;
export const SEGMENT_RE = /^segment-(\d{8})\.bjl$/;

export function segmentName(n: number): string {
  return `segment-${String(n).padStart(8, '0')}.bjl`;
}

export function padded(n: number): number {
  return (n + 7) & ~7;
}
