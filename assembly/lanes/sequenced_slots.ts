/**
 * The `sequenced_slots` lane: the SingleRing substrate exposed as a lane. Its region IS a
 * SingleRing region (ring.ts, kind KIND_SINGLE_RING = ByteOr's
 * BYTEOR_REGION_KIND_SEQUENCED_SLOTS): a sequencer with one gating reader and no stage
 * dependencies, the producer never wrapping past the reader. The lane layout (layout.ts) keeps
 * the ring's offsets, so lane.ts operates it like any lane; the lane-only fields (doorbells,
 * drops_full, start) sit in bytes the ring leaves unused and are set before ringInit.
 */
import { ringBytes, ringInit } from '../ring';
import { L_WRITER_DOORBELL, L_OVERWRITE, W_DROPS, W_START, CELLS, CELL_OVERRUN, CELL_DOORBELL } from './layout';

export function slotsLaneBytes(capacity: u32, slotBytes: u32): f64 {
  return ringBytes(capacity, slotBytes);
}

export function slotsLaneInit(base: usize, capacity: u32, slotBytes: u32, wait: u32, spinNs: u32, startSeq: f64): bool {
  if (ringBytes(capacity, slotBytes) == 0 || atomic.load<u32>(base + 12) != 0) return false;
  store<u32>(base + L_WRITER_DOORBELL, 0);
  store<u32>(base + CELLS + CELL_DOORBELL, 0);
  store<u32>(base + L_OVERWRITE, 0);
  store<f64>(base + W_DROPS, 0);
  store<i64>(base + W_START, <i64>startSeq);
  store<f64>(base + CELLS + CELL_OVERRUN, 0);
  return ringInit(base, capacity, slotBytes, 1, 0, false, wait, spinNs, startSeq);
}
