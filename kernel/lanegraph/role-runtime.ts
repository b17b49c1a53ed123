/**
 * What a role loop (pass-role.ts, router-role.ts, merge-role.ts) works with inside its worker:
 * its lanes with its reader positions, the on_full choice, its counters, its doorbell, and for
 * a stage role the plugin handler. Plus the steps every loop shares: take a readable run from
 * an input (skipping what a journal writer overwrote; InputRun for the loops with one input),
 * claim room in an output according to on_full, and move a run into an output.
 */
import type { Doorbell } from '../core/doorbells.ts';
import { LANE_HALT, type LaneHandle } from '../core/lane.ts';
import type { WaitKind } from '../core/ring.ts';
import type { StageCounter } from '../plugin-contract.ts';
import { WAIT_SLICE_MS, turn } from '../exec/event-loop-turns.ts';

export interface RoleInput {
  lane: LaneHandle;
  reader: number;
}

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
 * Claim room for `k` records in `out` without counting what does not fit: on_full=block waits
 * for all k (returns -1 when the graph aborted meanwhile); on_full=drop takes what is free now.
 * For a loop that counts the refused records itself once it knows how many it read (broadcast).
 */
export function claimRoom(out: LaneHandle, k: number, drop: boolean): number {
  if (drop) return out.tryClaim(k);
  const got = out.claim(k);
  return got === 0 ? -1 : got;
}

/**
 * Claim room for `k` records in `out`: on_full=block waits for all k (returns -1 when the graph
 * aborted meanwhile); on_full=drop takes what is free now and counts the rest in the lane's
 * drops_full (the newest records of the run are the ones refused).
 */
export function claimOutput(out: LaneHandle, k: number, drop: boolean): number {
  const got = claimRoom(out, k, drop);
  if (got >= 0 && got < k) out.countDrops(k - got);
  return got;
}

/**
 * What copying one run of an input did; filled by copyRun / moveToOutput, one per loop, reused
 * every step (no allocation per batch).
 *
 * A journal in overwrite mode can lose records of a run to its writer after the reader's wait
 * and before the end of its copy (the copy's seqlock check sees the commit word change): the
 * copy counts those in the reader's `overrun`. They are not records the role read, so a loop
 * counts `read`, never the run's length: otherwise a lost record is counted twice, as read and
 * as overrun, and "records read + overrun = records written" breaks.
 */
export class RunCopy {
  /** records copied into the output's claimed slots (not yet published) */
  placed = 0;
  /** records of the run the role read: the run's length minus those lost to the journal writer during the copy */
  read = 0;
}

/**
 * Copy the first `claimed` records of the run `first .. first+k-1` of `input` into `out`'s
 * claimed slots from `dseq` (the records after them found no room). Fills `res`; gives nothing
 * back to `out` (the caller unclaims `claimed - res.placed`).
 */
export function copyRun(
  input: RoleInput,
  first: number,
  k: number,
  claimed: number,
  out: LaneHandle,
  dseq: number,
  res: RunCopy,
): void {
  const placed = claimed > 0 ? input.lane.copyTo(input.reader, first, claimed, out, dseq) : 0;
  res.placed = placed;
  res.read = k - (claimed - placed);
}

/**
 * Move records `first .. first+k-1` of `input` into `out`: claim room (on_full), copy what was
 * claimed (copies start at the `out.next()` before the call), give back what could not be
 * copied. Fills `res` (placed: not yet published; read: what the role counts) and returns
 * true, or false when the graph aborted.
 */
export function moveToOutput(
  input: RoleInput,
  first: number,
  k: number,
  out: LaneHandle,
  drop: boolean,
  res: RunCopy,
): boolean {
  const dseq = out.next();
  const got = claimOutput(out, k, drop);
  if (got < 0) return false;
  copyRun(input, first, k, got, out, dseq, res);
  if (res.placed < got) out.unclaim(got - res.placed);
  return true;
}

/**
 * The reading position of a role with one input (stage, bridge, router): `wait()` blocks (per
 * the lane's strategy) for the next readable run of up to `max` records and sets `first` and
 * `count`; `release()` hands that run back to the lane and moves on. One per loop, reused every
 * step (no allocation per batch).
 */
export class InputRun {
  first = 0;
  count = 0;
  private next: number;

  constructor(
    private readonly input: RoleInput,
    private readonly max: number,
  ) {
    this.next = input.lane.readerSeq(input.reader) + 1;
  }

  /**
   * true with the next run in first/count; false when the input ended and drained, or the graph aborted (see
   * stopReason).
   */
  wait(): boolean {
    for (;;) {
      const got = this.take(this.input.lane.waitFor(this.input.reader, this.next));
      if (got !== 'again') return got;
    }
  }

  /**
   * `wait()` for a stage role, whose plugin code may have timers, promises and I/O: it waits a
   * slice at a time per the lane's strategy and sleeps on the event loop while idle, so that work
   * runs (kernel/exec/event-loop-turns.ts).
   */
  async waitTurning(): Promise<boolean> {
    const inp = this.input.lane;
    const r = this.input.reader;
    for (;;) {
      let avail = inp.available(r, this.next);
      if (avail < this.next) {
        avail = inp.waitForWithin(r, this.next, WAIT_SLICE_MS);
        while (avail < this.next && !inp.stopped(this.next)) {
          if (inp.waitKind() === 'spin') {
            await turn();
            avail = inp.waitForWithin(r, this.next, WAIT_SLICE_MS);
          } else {
            avail = await inp.waitForAvailable(r, this.next);
          }
        }
      }
      const got = this.take(avail);
      if (got !== 'again') return got;
    }
  }

  /** After a wait that returned `avail`: the next run, the end, or again (a journal skipped what was overwritten). */
  private take(avail: number): boolean | 'again' {
    const inp = this.input.lane;
    if (avail < this.next || inp.halt() === LANE_HALT.aborted) return false;
    const first = firstReadable(this.input, this.next);
    if (first > avail) {
      inp.release(this.input.reader, first - 1);
      this.next = first;
      return 'again';
    }
    this.first = first;
    this.count = Math.min(avail - first + 1, this.max);
    return true;
  }

  /** The run was handled: release it in the input lane. */
  release(): void {
    this.input.lane.release(this.input.reader, this.first + this.count - 1);
    this.next = this.first + this.count;
  }
}
