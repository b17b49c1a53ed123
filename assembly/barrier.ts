/**
 * The barrier and the wait of every sequenced region: the SingleRing (ring.ts) and the LaneGraph
 * lanes (lanes/lane.ts) share this layout, so they share one implementation of "wait until the
 * cells I depend on reach a sequence".
 *
 * The shared part of their layout (offsets from the region base):
 *    +36  wait u32 (WAIT_SPIN / WAIT_BACKOFF / WAIT_BLOCK), +40 spin_ns u32
 *   128  cursor cell (wait.ts cell) — written by the producer (writer) only
 *   384  control line: +0 halt i32 (0 running, 1 ending, 2 aborted), +8 end_seq i64
 *   512 + c*128  consumer (reader) cells, c = 0..7; a mask of cells (bit c) names a dependency
 *                set, and mask 0 means the cursor
 * The rest of each layout (producer line, per-consumer fields, slots) is the owner's.
 */
import {
  WAIT_SPIN, WAIT_BACKOFF, SPIN_CHUNK, YIELD_NS, YIELD_STEP_NS, BACKOFF_TIMEOUT_NS, BLOCK_TIMEOUT_NS,
  cellPrepare, cellSleep, cellDone, napOn, clockNs, spinStart, spinDone,
} from './wait';

export const SEQ_WAIT: u32 = 36;
export const SEQ_SPIN_NS: u32 = 40;
export const SEQ_CURSOR: u32 = 128;
export const SEQ_CTL_HALT: u32 = 384;
export const SEQ_CTL_END_SEQ: u32 = 392;
export const SEQ_CELLS: u32 = 512;
export const SEQ_LINE: u32 = 128;

export const HALT_RUNNING: i32 = 0;
export const HALT_ENDING: i32 = 1;
export const HALT_ABORTED: i32 = 2;

/** Consumer cell `c` of the region at `base`. */
// @ts-ignore: decorator
@inline export function seqCell(base: usize, c: i32): usize { return base + SEQ_CELLS + <usize>c * SEQ_LINE; }

/** Minimum over the cells of `mask` (mask 0: the cursor). */
// @ts-ignore: decorator
@inline export function minOver(base: usize, mask: u32): i64 {
  if (mask == 0) return atomic.load<i64>(base + SEQ_CURSOR);
  let m = i64.MAX_VALUE;
  let bits = mask;
  while (bits != 0) {
    const c = <i32>ctz(bits);
    bits &= bits - 1;
    const v = atomic.load<i64>(seqCell(base, c));
    if (v < m) m = v;
  }
  return m;
}

/** The first cell (or the cursor) of `mask` still below target, or 0 when none is. */
export function laggingCell(base: usize, mask: u32, target: i64): usize {
  if (mask == 0) return atomic.load<i64>(base + SEQ_CURSOR) < target ? base + SEQ_CURSOR : 0;
  let bits = mask;
  while (bits != 0) {
    const c = <i32>ctz(bits);
    bits &= bits - 1;
    const cell = seqCell(base, c);
    if (atomic.load<i64>(cell) < target) return cell;
  }
  return 0;
}

/** A consumer stops waiting when the region aborted or nothing at `target` will ever come. */
// @ts-ignore: decorator
@inline export function consumerStopped(base: usize, target: i64): bool {
  const h = atomic.load<i32>(base + SEQ_CTL_HALT);
  return h == HALT_ABORTED || (h == HALT_ENDING && target > atomic.load<i64>(base + SEQ_CTL_END_SEQ));
}

/** The producer stops waiting for room when the region aborted. */
// @ts-ignore: decorator
@inline export function producerStopped(base: usize): bool {
  return atomic.load<i32>(base + SEQ_CTL_HALT) == HALT_ABORTED;
}

/**
 * Spin (never sleep) until min over `mask` reaches `target`, the wait is stopped
 * (consumerStopped / producerStopped, checked every SPIN_CHUNK polls), or, when `budgetNs` >= 0,
 * about that many ns passed (wait.ts spinStart/spinDone: the clock is read a few times per
 * wait). Returns the last minimum seen. The spin of every wait: the first phase of awaitMin, the
 * ring's and the lanes' bounded spins for the main thread (ringSpinFor, laneSpinFor).
 */
export function spinMin(base: usize, mask: u32, target: i64, producer: bool, budgetNs: f64): i64 {
  const timed = budgetNs >= 0;
  if (timed) spinStart(budgetNs);
  while (true) {
    for (let i = 0; i < SPIN_CHUNK; i++) {
      const v = minOver(base, mask);
      if (v >= target) return v;
    }
    if (producer ? producerStopped(base) : consumerStopped(base, target)) return minOver(base, mask);
    if (timed && spinDone()) return minOver(base, mask);
  }
  return 0;
}

/**
 * Wait (per the region's strategy) until min over `mask` reaches `target`. Returns that minimum,
 * or a value below target when the wait was stopped (consumerStopped / producerStopped).
 * Strategies: wait.ts (spin for the budget in time, then short unannounced naps, then announced
 * sleeps on the lagging cell's epoch, woken by its writer).
 */
export function awaitMin(base: usize, mask: u32, target: i64, producer: bool): i64 {
  const v = minOver(base, mask);
  if (v >= target) return v;
  const kind = load<u32>(base + SEQ_WAIT);
  if (kind == WAIT_SPIN) return spinMin(base, mask, target, producer, -1);
  const spinNs = <f64>load<u32>(base + SEQ_SPIN_NS);
  // after the spin, the naps and sleeps below see a stop or the target themselves
  if (spinNs > 0) {
    const spun = spinMin(base, mask, target, producer, spinNs);
    if (spun >= target) return spun;
  }
  if (kind == WAIT_BACKOFF) {
    const t1 = clockNs();
    while (clockNs() - t1 < YIELD_NS) {
      const lag = laggingCell(base, mask, target);
      if (lag == 0) return minOver(base, mask);
      if (producer ? producerStopped(base) : consumerStopped(base, target)) return minOver(base, mask);
      napOn(lag, YIELD_STEP_NS);
    }
  }
  const timeout = kind == WAIT_BACKOFF ? BACKOFF_TIMEOUT_NS : BLOCK_TIMEOUT_NS;
  while (true) {
    const lag = laggingCell(base, mask, target);
    if (lag == 0) return minOver(base, mask);
    const epoch = cellPrepare(lag);
    const stop = producer ? producerStopped(base) : consumerStopped(base, target);
    if (!stop && atomic.load<i64>(lag) < target) cellSleep(lag, epoch, timeout);
    cellDone(lag);
    if (stop) return minOver(base, mask);
  }
  return minOver(base, mask);
}
