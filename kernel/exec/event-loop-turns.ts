/**
 * How a worker that runs stage code (a SingleRing stage worker, a LaneGraph stage role) lets the
 * stage's asynchronous work — timers, promises, I/O — run while the pipeline runs: busy, it turns
 * its event loop about every TURN_MS (TurnTimer: a clock read per ~16 k records or ~63 batches,
 * nothing per record); idle, it waits WAIT_SLICE_MS at a time per the ring's or lane's strategy, turning between
 * slices, and after IDLE_SLICES (a SingleRing stage) sleeps on the event loop itself (an async wait the writer
 * wakes), or for `spin`, spins a slice, turns, and again.
 */

import { CLOCK_TICKS_PER_MS, clockTicks, ticksSince } from '../core/clock-ticks.ts';

/**
 * Most time a busy worker runs batches without turning its event loop. Each turn allocates about
 * 1 KB (an Immediate and its async-hooks ids, a promise, the await): at 2 ms (500 turns a second)
 * that was a busy stage thread's only garbage, a scavenge every second or two; at 10 ms it is a
 * fifth of that (docs/performance.md, eighth pass). A stage's own timers and I/O completions wait
 * at most this long while its worker is busy (none wait while it awaits its handler or idles).
 */
export const TURN_MS = 10;
/** TURN_MS in clock ticks. */
const TURN_TICKS = TURN_MS * CLOCK_TICKS_PER_MS;
/**
 * Work between two clock reads: a batch counts its records plus BATCH_UNITS. Every clock read on
 * Node 20 allocates (a heap number or an array: measured, kernel/core/clock-ticks.ts), so a loop
 * that read it per batch collected garbage at one record per batch; now one read per ~63
 * one-record batches, per 32 batches of 256, per batch of 16 k.
 */
const CHECK_UNITS = 16384;
const BATCH_UNITS = 256;
/** How long an idle worker waits per its strategy before it turns its event loop. */
export const WAIT_SLICE_MS = 1;
/**
 * Slices an idle worker waits (turning its event loop between them) before it sleeps on the event
 * loop itself: a wake within them is a futex wake, not an event-loop task (and its promises).
 */
export const IDLE_SLICES = 16;

/** One turn of the event loop (timers and I/O callbacks due now run). */
export const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * When a busy loop should turn its event loop: about every TURN_MS, the clock read once per
 * CHECK_UNITS of work (so a handler that takes long per record turns less often than TURN_MS,
 * after at most ~63 batches). Allocates nothing.
 */
export class TurnTimer {
  private units = 0;
  private last = clockTicks();

  /** A batch of `records` ran; true when the loop should turn now (then call `turned`). */
  due(records: number): boolean {
    this.units += records + BATCH_UNITS;
    if (this.units < CHECK_UNITS) return false;
    this.units = 0;
    return ticksSince(this.last) >= TURN_TICKS;
  }

  /** The loop turned (or slept on its event loop). */
  turned(): void {
    this.units = 0;
    this.last = clockTicks();
  }
}
