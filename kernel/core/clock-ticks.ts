/**
 * The monotonic high-resolution clock in 100 ns ticks masked to 30 bits: an integer V8 keeps
 * unboxed (a Smi) once read. It is the core's clock import (assembly/wait.ts widens it; a timed
 * spin reads it a few times per wait) and the clock of the loops that run per batch on a worker
 * (event-loop-turns.ts TurnTimer). Every clock read allocates on Node 20: `process.hrtime()`
 * returns a new array, `performance.now()` and `Date.now()` a heap number (measured, 5 M reads:
 * 39-79 collections each), so a loop reads it once per some thousands of records, never per
 * record or per small batch (at one record per batch, the stage worker's per-batch read was all of its
 * collections). The ticks wrap about every 107 s: compare them with `ticksBetween`, never directly.
 */
import process from 'node:process';

/** Ticks per second and tick mask of the clock (assembly/wait.ts: 100 ns ticks, 30 bits). */
const CLOCK_TICKS_PER_S = 10_000_000;
export const CLOCK_TICKS_PER_MS = 10_000;
const CLOCK_NS_PER_TICK = 100;
const CLOCK_TICK_MASK = 0x3fffffff;

export const clockTicks = (): number => {
  const t = process.hrtime();
  return (t[0]! * CLOCK_TICKS_PER_S + t[1]! / CLOCK_NS_PER_TICK) & CLOCK_TICK_MASK;
};

/** Ticks from reading `from` to reading `to` (less than ~107 s later). */
export const ticksBetween = (from: number, to: number): number => (to - from) & CLOCK_TICK_MASK;
