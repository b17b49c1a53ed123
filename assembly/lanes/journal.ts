/**
 * The `journal` lane: an append-only log of records with a committed flag (two-phase publish)
 * and readers that track their own position. Stored in the lane layout (layout.ts); slot word
 * +4 is the record's commit word: `(seq mod 2^31) << 1 | committed`.
 *
 * Two-phase publish: claiming a slot stamps it "uncommitted for seq" (phase 1, before the writer
 * touches the payload); publishing stamps it "committed for seq" (phase 2) and then moves the
 * cursor. A reader accepts a record only when its commit word says "committed for the sequence
 * the reader wants", before AND after copying it (a seqlock; the second check is an atomic
 * read-modify-write so that the copy's plain loads cannot drift past it, docs/platform-notes.md G7).
 *
 * on_full (the journal's own choice of which end to drop, docs/lanegraph.md):
 *   block — the writer waits for the slowest reader like any lane: nothing is ever overwritten;
 *   drop  — "overwrite mode": the writer never waits and overwrites the oldest records. A reader
 *           that falls behind loses them; it detects that (its position is older than the
 *           writer's claim minus capacity, or a commit word changed under it), skips to the
 *           oldest record still there and counts every lost record in its `overrun` counter
 *           (never silent). Capture-and-replay semantics: the newest window is kept.
 */
import { H_CAPACITY, H_SLOT_BYTES } from '../region';
import {
  KIND_LANE_JOURNAL, MAX_READERS, W_NEXT, CELL_OVERRUN, SLOT_HEADER, SLOT_COMMIT, LENGTH_MASK, L_OVERWRITE,
  readerCell, slotAddr, laneRegionBytes, laneInitRegion,
} from './layout';
import { copyRecord } from '../copy';

export function journalBytes(readers: u32, capacity: u32, slotBytes: u32): f64 {
  return laneRegionBytes(readers, capacity, slotBytes);
}

/** A journal with `readers` (1..MAX_READERS) reader positions; `overwrite` = on_full drop. */
export function journalInit(base: usize, readers: u32, capacity: u32, slotBytes: u32, overwrite: bool,
                            wait: u32, spinNs: u32, startSeq: f64): bool {
  if (readers < 1 || readers > MAX_READERS) return false;
  return laneInitRegion(base, KIND_LANE_JOURNAL, readers, capacity, slotBytes, overwrite, wait, spinNs, startSeq);
}

// @ts-ignore: decorator
@inline function stamp(seq: i64, committed: u32): u32 {
  return (<u32>(seq & 0x7fffffff) << 1) | committed;
}

/** Phase 1: the writer claimed `n` slots from `first`; mark them uncommitted before it writes. */
export function journalStampClaimed(base: usize, first: i64, n: i32): void {
  for (let i = 0; i < n; i++) {
    const seq = first + <i64>i;
    atomic.store<u32>(slotAddr(base, seq) + SLOT_COMMIT, stamp(seq, 0));
  }
}

/** Phase 2: records first..last are written; mark them committed (the cursor moves after). */
export function journalCommit(base: usize, first: i64, last: i64): void {
  for (let seq = first; seq <= last; seq++) atomic.store<u32>(slotAddr(base, seq) + SLOT_COMMIT, stamp(seq, 1));
}

/** True when the slot of `seq` holds that record, committed (tests, observation). */
export function journalCommitted(base: usize, seqF: f64): bool {
  const seq = <i64>seqF;
  return atomic.load<u32>(slotAddr(base, seq) + SLOT_COMMIT) == stamp(seq, 1);
}

/**
 * Reader `r` is about to read from `next`: in overwrite mode, records older than the writer's
 * claim minus capacity are gone. Counts them as overrun and returns the oldest sequence still
 * readable (or `next` when nothing was lost).
 */
export function journalSkipOverrun(base: usize, r: i32, nextF: f64): f64 {
  if (load<u32>(base + L_OVERWRITE) == 0) return nextF;
  const next = <i64>nextF;
  const oldest = atomic.load<i64>(base + W_NEXT) - <i64>load<u32>(base + H_CAPACITY);
  if (next >= oldest) return nextF;
  const cell = readerCell(base, r);
  store<f64>(cell + CELL_OVERRUN, load<f64>(cell + CELL_OVERRUN) + <f64>(oldest - next));
  return <f64>oldest;
}

/**
 * laneCopy from a journal in overwrite mode: copy records srcSeq.. into dst's claimed slots,
 * keeping only those whose commit word is right before and after the copy. Returns how many
 * were placed (packed from dstSeq); the rest count as reader `r`'s overrun.
 */
export function journalCopyChecked(src: usize, r: i32, srcSeq: i64, n: i32, dst: usize, dstSeq: i64): i32 {
  const max = load<u32>(dst + H_SLOT_BYTES);
  let placed = 0;
  let lost = 0;
  for (let i = 0; i < n; i++) {
    const seq = srcSeq + <i64>i;
    const s = slotAddr(src, seq);
    const want = stamp(seq, 1);
    if (atomic.load<u32>(s + SLOT_COMMIT) != want) { lost++; continue; }
    const word = load<u32>(s);
    const len = word & LENGTH_MASK;
    if (len > max) { lost++; continue; } // torn: a writer never stores more than slot_bytes
    const d = slotAddr(dst, dstSeq + <i64>placed);
    copyRecord(d + SLOT_HEADER, s + SLOT_HEADER, len);
    if (atomic.add<u32>(s + SLOT_COMMIT, 0) != want) { lost++; continue; }
    store<u32>(d, word);
    placed++;
  }
  if (lost > 0) {
    const cell = readerCell(src, r);
    store<f64>(cell + CELL_OVERRUN, load<f64>(cell + CELL_OVERRUN) + <f64>lost);
  }
  return placed;
}
