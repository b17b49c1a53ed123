/**
 * How a worker that runs stage code (a SingleRing stage worker, a LaneGraph stage role) lets the
 * stage's asynchronous work — timers, promises, I/O — run while the pipeline runs: busy, it turns
 * its event loop about every TURN_MS (TurnTimer: a clock read about every TURN_MS / 4 whatever the batch size,
 * nothing per record); idle, it waits WAIT_SLICE_MS at a time per the ring's or lane's strategy, turning between
 * slices, and after IDLE_SLICES (a SingleRing stage) sleeps on the event loop itself (an async wait the writer
 * wakes), or for `spin`, spins a slice, turns, and again.
 */

import { CLOCK_TICKS_PER_MS, clockTicks, ticksBetween } from '../core/clock-ticks.ts';
import { ClockReadPacer } from '../core/clock-read-pacer.ts';

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
 * Work before the first clock read: a batch counts its records plus BATCH_UNITS, so a little work
 * never reads the clock. After that, the amount of work between two reads follows the work's
 * pace (TurnTimer): about one read per READ_TICKS. A read can allocate (process.hrtime() makes
 * an array, 192 bytes, where the loop around it is not optimized), and a fixed count of work per
 * read was 150 k reads a second for a stage of one-record batches at 10 M records/s: 12 MB/s,
 * a scavenge every few hundred ms (docs/performance.md, eighth pass).
 */
const CHECK_UNITS = 16384;
const BATCH_UNITS = 256;
/** Aim of the time between two clock reads of a busy loop: a quarter of TURN_MS. */
const READ_TICKS = TURN_TICKS / 4;
/**
 * Most work between two reads: 16 k one-record batches (1.6 ms of them at 10 M a second). It
 * bounds how late the first turn after a sudden slow-down comes: a handler that goes from 100 ns
 * to 1 ms a batch turns after at most 16 k of its slow batches once, then on time again.
 */
const MAX_CHECK_UNITS = CHECK_UNITS * 256;
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
 * When a busy loop should turn its event loop: about every TURN_MS. The clock is read when a
 * ClockReadPacer says (kernel/core/clock-read-pacer.ts: CHECK_UNITS of work at first, then about
 * every READ_TICKS whatever the batch size), so a loop turns at most about READ_TICKS after
 * TURN_MS. Allocates nothing itself.
 */
export class TurnTimer {
  private readonly reads = new ClockReadPacer(READ_TICKS, CHECK_UNITS, BATCH_UNITS + 1, MAX_CHECK_UNITS);
  private lastRead: number;
  private lastTurn: number;

  constructor(private readonly clock: () => number = clockTicks) {
    this.lastRead = clock();
    this.lastTurn = this.lastRead;
  }

  /** A batch of `records` ran; true when the loop should turn now (then call `turned`). */
  due(records: number): boolean {
    if (!this.reads.due(records + BATCH_UNITS)) return false;
    const t = this.clock();
    this.reads.read(ticksBetween(this.lastRead, t));
    this.lastRead = t;
    return ticksBetween(this.lastTurn, t) >= TURN_TICKS;
  }

  /** The loop turned (or slept on its event loop). */
  turned(): void {
    this.reads.restart();
    this.lastTurn = this.clock();
    this.lastRead = this.lastTurn;
  }
}
