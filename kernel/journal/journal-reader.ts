/**
 * Reads the ingress journal (journal-format.ts): `readJournal(dir, {lastN})` returns the newest
 * `lastN` records (all when omitted) in journal order, with where they came from. Used by the
 * incident-bundle and replay verbs. A torn tail is reported (`torn: true`) and skipped; a
 * segment that is not a journal segment is an error (exit 6).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Unpackr } from 'msgpackr';
import { ByteorError } from '../errors.ts';
import {
  FLAG_BATCH_META,
  FLAG_DATA,
  FLAG_SEGMENT_META,
  JOURNAL_MAGIC,
  JOURNAL_VERSION,
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  padded,
  segmentName,
} from './journal-format.ts';
import { existingSegments } from './journal-writer.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export interface JournalRecord {
  /** position in its runtime's ingress order (0-based, per run_id) */
  index: number;
  run_id: string;
  shard: number;
  /** the ring sequence the record had */
  sequence: number;
  /** when its batch was published */
  unix_ms: number;
  segment: number;
  payload: Uint8Array;
}

export interface JournalRead {
  records: JournalRecord[];
  /** segment file names read, oldest first */
  segments: string[];
  spec_hashes: string[];
  /** a segment ended in a partly written record (skipped) */
  torn: boolean;
}

interface BatchMeta {
  run_id: string;
  first_index: number;
  shard: number;
  first_seq: number;
  count: number;
  unix_ms: number;
}

const unpackr = new Unpackr({ useRecords: false });

function invalid(path: string, why: string): ByteorError {
  return KernelErrors.error('BYTEOR_E_JOURNAL_INVALID', `journal segment ${path} is not valid: ${why}`, { path });
}

function readSegment(dir: string, n: number, specHashes: Set<string>): { records: JournalRecord[]; torn: boolean } {
  const path = join(dir, segmentName(n));
  const buf = readFileSync(path);
  if (buf.length < SEGMENT_HEADER_BYTES) return { records: [], torn: true };
  if (buf.readUInt32LE(0) !== JOURNAL_MAGIC) throw invalid(path, 'bad magic');
  if (buf.readUInt32LE(4) !== JOURNAL_VERSION) throw invalid(path, `unknown version ${buf.readUInt32LE(4)}`);
  const records: JournalRecord[] = [];
  let o = SEGMENT_HEADER_BYTES;
  let meta: BatchMeta | null = null;
  let k = 0;
  while (o < buf.length) {
    if (o + RECORD_HEADER_BYTES > buf.length) return { records, torn: true };
    const len = buf.readUInt32LE(o);
    const flags = buf.readUInt32LE(o + 4);
    const end = o + RECORD_HEADER_BYTES + len;
    if (end > buf.length) return { records, torn: true };
    const body = buf.subarray(o + RECORD_HEADER_BYTES, end);
    if (flags === FLAG_SEGMENT_META) {
      const m = unpackr.unpack(body) as { spec_hash?: string };
      if (typeof m.spec_hash === 'string') specHashes.add(m.spec_hash);
    } else if (flags === FLAG_BATCH_META) {
      meta = unpackr.unpack(body) as BatchMeta;
      k = 0;
    } else if (flags === FLAG_DATA) {
      if (!meta || k >= meta.count) throw invalid(path, `a data record at byte ${o} has no batch metadata`);
      records.push({
        index: meta.first_index + k,
        run_id: meta.run_id,
        shard: meta.shard,
        sequence: meta.first_seq + k,
        unix_ms: meta.unix_ms,
        segment: n,
        payload: new Uint8Array(body),
      });
      k++;
    } else {
      throw invalid(path, `unknown record flags ${flags} at byte ${o}`);
    }
    o = o + RECORD_HEADER_BYTES + padded(len);
  }
  return { records, torn: meta !== null && k < meta.count };
}

export function readJournal(dir: string, opts: { lastN?: number } = {}): JournalRead {
  const segs = existingSegments(dir).sort((a, b) => a - b);
  const want = opts.lastN ?? Infinity;
  const chunks: JournalRecord[][] = [];
  const used: number[] = [];
  const specHashes = new Set<string>();
  let have = 0;
  let torn = false;
  for (let i = segs.length - 1; i >= 0 && have < want; i--) {
    const r = readSegment(dir, segs[i]!, specHashes);
    torn ||= r.torn;
    chunks.unshift(r.records);
    used.unshift(segs[i]!);
    have += r.records.length;
  }
  let records = chunks.flat();
  if (records.length > want) records = records.slice(records.length - want);
  return { records, segments: used.map(segmentName), spec_hashes: [...specHashes].sort(), torn };
}
