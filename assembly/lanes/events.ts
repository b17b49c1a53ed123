/**
 * The `events` lane: a bounded single-producer single-consumer queue of records (IndexBus's
 * default data-flow lane). One reader; the writer waits (on_full=block) or drops the newest
 * record (on_full=drop) when the reader is `capacity` records behind. Layout: layout.ts;
 * operations: lane.ts.
 *
 * No MPSC variant: a LaneGraph merge is a role that reads its SPSC input lanes in turn
 * (docs/lanegraph.md, "merge"), which is what makes it fair; several writers racing into one
 * queue would be neither ordered nor fair (IndexBus: MPSC order across producers is not guaranteed).
 */
import { KIND_LANE_EVENTS, laneRegionBytes, laneInitRegion } from './layout';

export function eventsBytes(capacity: u32, slotBytes: u32): f64 {
  return laneRegionBytes(1, capacity, slotBytes);
}

export function eventsInit(base: usize, capacity: u32, slotBytes: u32, wait: u32, spinNs: u32, startSeq: f64): bool {
  return laneInitRegion(base, KIND_LANE_EVENTS, 1, capacity, slotBytes, false, wait, spinNs, startSeq);
}
