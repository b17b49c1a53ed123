/**
 * The `fanout_broadcast` lane: one writer, `readers` (1..MAX_READERS = 8, ByteOr's
 * FANOUT_V1_MAX_CONSUMERS) readers, each with its own position; every reader sees every record.
 * The writer gates on the slowest reader: under on_full=block it waits for it, under drop it
 * refuses the newest record (counted once in drops_full; no reader sees it). Readers never
 * modify slots (they share them): a role copies records out before working on them.
 */
import { KIND_LANE_FANOUT, MAX_READERS, laneRegionBytes, laneInitRegion } from './layout';

export function fanoutBytes(readers: u32, capacity: u32, slotBytes: u32): f64 {
  return laneRegionBytes(readers, capacity, slotBytes);
}

export function fanoutInit(
  base: usize, readers: u32, capacity: u32, slotBytes: u32, wait: u32, spinNs: u32, startSeq: f64,
): bool {
  if (readers < 1 || readers > MAX_READERS) return false;
  return laneInitRegion(base, KIND_LANE_FANOUT, readers, capacity, slotBytes, false, wait, spinNs, startSeq);
}
