/**
 * What a role loop (pass-role.ts, router-role.ts, merge-role.ts) works with inside its worker:
 * its lanes with its reader positions, the on_full choice, its counters, its doorbell, and for
 * a stage role the plugin handler. Plus the two steps every loop shares: take a readable run
 * from an input (skipping what a journal writer overwrote), and claim room in an output
 * according to on_full.
 */
import type { Doorbell } from '../core/doorbells.ts';
import { LANE_HALT, type LaneHandle } from '../core/lane.ts';
import type { WaitKind } from '../core/ring.ts';
import type { StageCounter } from '../plugin-api.ts';

export interface RoleInput { lane: LaneHandle; reader: number }

export interface RoleRuntime {
  inputs: RoleInput[];
  outputs: LaneHandle[];
  /** on_full=drop: a full output refuses the newest records (counted in its drops_full) */
  drop: boolean;
  maxBatch: number;
  wait: WaitKind;
  spinNs: number;
  doorbell: Doorbell | null;
  counter(name: string): StageCounter;
  /** stage roles: run the handler over `count` claimed output slots from `firstSeq`, before they are published */
  process: ((firstSeq: number, count: number) => void | Promise<void>) | null;
}

/** How a role loop ended: its inputs ended and drained, or the graph aborted. */
export type RoleEnd = 'ended' | 'aborted';

export function stopReason(lane: LaneHandle): RoleEnd {
  return lane.halt() === LANE_HALT.aborted ? 'aborted' : 'ended';
}

/**
 * The first sequence reader `r` can still read at or after `next` (a journal in overwrite mode
 * may have overwritten older ones: they are counted as the reader's overrun).
 */
export function firstReadable(input: RoleInput, next: number): number {
  return input.lane.skipOverrun(input.reader, next);
}

/**
 * Claim room for `k` records in `out`: on_full=block waits for all k (returns -1 when the graph
 * aborted meanwhile); on_full=drop takes what is free now and counts the rest in the lane's
 * drops_full (the newest records of the run are the ones refused).
 */
export function claimOutput(out: LaneHandle, k: number, drop: boolean): number {
  if (drop) {
    const got = out.tryClaim(k);
    if (got < k) out.countDrops(k - got);
    return got;
  }
  const got = out.claim(k);
  return got === 0 ? -1 : got;
}
