/**
 * The lane region layout, shared by every LaneGraph lane kind. It is the SingleRing region's
 * layout (ring.ts) generalised to N readers without dependencies, so that one set of lane
 * functions (lane.ts) runs the `events`, `fanout_broadcast` and `journal` regions defined here
 * AND the SingleRing region itself, which is how a `sequenced_slots` lane is stored
 * (sequenced_slots.ts: literally the SingleRing substrate with one reader).
 *
 *     0  header line (region.ts) + lane fields (the first seven are the ring's, same offsets):
 *          +32 readers u32 (ring: stage_count), +36 wait u32, +40 spin_ns u32, +44 slot_stride u32,
 *          +48 slots_offset u32, +52 gating_mask u32 (readers the writer gates on),
 *          +56 consumers_mask u32, +60 writer_doorbell u32 (a cell woken when a reader releases,
 *          for a writer that waits on several lanes; 0 none), +64 reserved,
 *          +68 overwrite u32 (journal under on_full=drop: the writer never waits, it overwrites
 *          the oldest records; readers detect the overrun)
 *   128  cursor cell (wait.ts: value = last published sequence, waiters, epoch) — writer only
 *   256  writer line: +0 next i64 (next sequence to claim), +8 cached gate i64,
 *          +16 drops_full f64 (records the writer refused because the lane was full),
 *          +24 start i64 (first sequence of the lane)
 *   384  control line (ring.ts): +0 halt i32, +8 end_seq i64, +16 fail_who i32, +24 fail_seq i64
 *   512 + r*128, r < readers: reader cells: +0..+15 the cell (value = last released sequence),
 *          +16 deps u32 (always 0: a reader waits for the cursor), +24 cached available i64,
 *          +32 overrun f64 (journal: records this reader lost to the writer), +40 doorbell u32 (a
 *          cell woken on publish, for a reader that waits on several lanes; 0 none)
 *   512 + readers*128 (ring: 1152): slots, capacity × slot_stride; a slot is
 *          +0 len u32 (bit 31 = dropped by a stage), +4 commit u32 (journal only), +8 payload
 *
 * No heap, no statics: every function takes the region base (docs/platform-notes.md G3, G4).
 */
import { alignUp, H_CAPACITY, regionBegin, regionCommit } from '../region';

// the offsets shared with the SingleRing (and its barrier) are the barrier's own constants
import {
  SEQ_WAIT, SEQ_SPIN_NS, SEQ_CURSOR, SEQ_CTL_HALT, SEQ_CTL_END_SEQ, SEQ_CELLS, SEQ_LINE, HALT_RUNNING,
} from '../barrier';

export const KIND_LANE_EVENTS: u32 = 111;
export const KIND_LANE_FANOUT: u32 = 112;
export const KIND_LANE_JOURNAL: u32 = 113;
export const KIND_DOORBELLS: u32 = 121;

/** Readers of one lane region (ByteOr's FANOUT_V1_MAX_CONSUMERS; kernel/spec/limits.ts). */
export const MAX_READERS: u32 = 8;

export const L_READERS: u32 = 32;
export const L_WAIT: u32 = SEQ_WAIT;
export const L_SPIN_NS: u32 = SEQ_SPIN_NS;
export const L_SLOT_STRIDE: u32 = 44;
export const L_SLOTS_OFFSET: u32 = 48;
export const L_GATING_MASK: u32 = 52;
export const L_CONSUMERS_MASK: u32 = 56;
export const L_WRITER_DOORBELL: u32 = 60;
export const L_OVERWRITE: u32 = 68;

export const CURSOR: u32 = SEQ_CURSOR;
export const W_NEXT: u32 = 256;
export const W_CACHED_GATE: u32 = 264;
export const W_DROPS: u32 = 272;
export const W_START: u32 = 280;
export const CTL_HALT: u32 = SEQ_CTL_HALT;
export const CTL_END_SEQ: u32 = SEQ_CTL_END_SEQ;
export const CTL_FAIL_WHO: u32 = 400;
export const CTL_FAIL_SEQ: u32 = 408;
export const CELLS: u32 = SEQ_CELLS;
export const CELL_DEPS: u32 = 16;
export const CELL_CACHED: u32 = 24;
export const CELL_OVERRUN: u32 = 32;
export const CELL_DOORBELL: u32 = 40;
export const LINE_BYTES: u32 = SEQ_LINE;

export const SLOT_HEADER: u32 = 8;
export const SLOT_COMMIT: u32 = 4;
export const DROPPED_BIT: u32 = 0x80000000;
export const LENGTH_MASK: u32 = 0x7fffffff;

export { HALT_RUNNING, HALT_ENDING, HALT_ABORTED } from '../barrier';

export const ON_FULL_BLOCK: u32 = 0;
export const ON_FULL_DROP: u32 = 1;

// @ts-ignore: decorator
@inline export function readerCell(base: usize, r: i32): usize { return base + CELLS + <usize>r * LINE_BYTES; }

/** Bytes between two slots. */
export function laneSlotStride(slotBytes: u32): u32 { return alignUp(SLOT_HEADER + slotBytes, 8); }

/** Offset of the slots for `readers` reader cells. */
export function slotsOffsetFor(readers: u32): u32 { return CELLS + readers * LINE_BYTES; }

/** Total bytes of a lane region (0 when the geometry is invalid). */
export function laneRegionBytes(readers: u32, capacity: u32, slotBytes: u32): f64 {
  if (readers < 1 || readers > MAX_READERS) return 0;
  if (capacity < 2 || (capacity & (capacity - 1)) != 0 || capacity > (1 << 24)) return 0;
  if (slotBytes < 1 || slotBytes > (1 << 20)) return 0;
  return <f64>slotsOffsetFor(readers) + <f64>capacity * <f64>laneSlotStride(slotBytes);
}

/** Address of the slot (its len word) holding `seq`; works for lane and ring regions. */
// @ts-ignore: decorator
@inline export function slotAddr(base: usize, seq: i64): usize {
  const mask = <i64>load<u32>(base + H_CAPACITY) - 1;
  return base + <usize>load<u32>(base + L_SLOTS_OFFSET) + <usize>((seq & mask) * <i64>load<u32>(base + L_SLOT_STRIDE));
}

/**
 * Initialise a lane region of `kind` (events, fanout_broadcast, journal: see their files).
 * Returns false when the geometry is invalid or the region is not fresh.
 */
export function laneInitRegion(base: usize, kind: u32, readers: u32, capacity: u32, slotBytes: u32, overwrite: bool,
                               wait: u32, spinNs: u32, startSeq: f64): bool {
  const bytes = laneRegionBytes(readers, capacity, slotBytes);
  if (bytes == 0) return false;
  if (!regionBegin(base, kind, capacity, slotBytes, <u32>bytes)) return false;
  const mask: u32 = (1 << readers) - 1;
  store<u32>(base + L_READERS, readers);
  store<u32>(base + L_WAIT, wait);
  store<u32>(base + L_SPIN_NS, spinNs);
  store<u32>(base + L_SLOT_STRIDE, laneSlotStride(slotBytes));
  store<u32>(base + L_SLOTS_OFFSET, slotsOffsetFor(readers));
  store<u32>(base + L_GATING_MASK, mask);
  store<u32>(base + L_CONSUMERS_MASK, mask);
  store<u32>(base + L_WRITER_DOORBELL, 0);
  store<u32>(base + L_OVERWRITE, overwrite ? 1 : 0);
  const start = <i64>startSeq;
  store<i64>(base + CURSOR, start - 1);
  store<i32>(base + CURSOR + 8, 0);
  store<i32>(base + CURSOR + 12, 0);
  store<i64>(base + W_NEXT, start);
  store<i64>(base + W_CACHED_GATE, start - 1);
  store<f64>(base + W_DROPS, 0);
  store<i64>(base + W_START, start);
  store<i32>(base + CTL_HALT, HALT_RUNNING);
  store<i64>(base + CTL_END_SEQ, i64.MAX_VALUE);
  store<i32>(base + CTL_FAIL_WHO, -1);
  store<i64>(base + CTL_FAIL_SEQ, -1);
  for (let r: u32 = 0; r < readers; r++) {
    const cell = readerCell(base, <i32>r);
    store<i64>(cell, start - 1);
    store<i32>(cell + 8, 0);
    store<i32>(cell + 12, 0);
    store<u32>(cell + CELL_DEPS, 0);
    store<i64>(cell + CELL_CACHED, start - 1);
    store<f64>(cell + CELL_OVERRUN, 0);
    store<u32>(cell + CELL_DOORBELL, 0);
  }
  memory.fill(base + slotsOffsetFor(readers), 0, <usize>capacity * laneSlotStride(slotBytes));
  regionCommit(base);
  return true;
}
