/**
 * Wait strategies and the wake protocol of a sequence cell.
 *
 * A *cell* is a 64-bit sequence with a single writer, alone on its 128-byte line:
 *   +0  value   i64   the sequence (monotonic)
 *   +8  waiters i32   threads that announced they may sleep on this cell
 *   +12 epoch   i32   changed on every wake; sleepers wait on this word. Odd = armed: a sleeper
 *                     announced itself since the last wake (it sleeps on this odd value)
 *
 * Publishing is a sequentially consistent store of the value followed by a load of `waiters`:
 * only when somebody may be asleep does the writer look further. A sleeper announces itself
 * (`waiters += 1`), arms the epoch (sets its low bit, `cellPrepare`) and takes the armed value,
 * re-checks its condition and only then waits on the epoch word, so a wake between the check and
 * the wait is never lost (all wasm atomics are SC, so this is the Dekker pattern of
 * docs/platform-notes.md, waiting on two cores, with the epoch word making wakes for reasons
 * other than the value itself — end of stream, abort — just as safe).
 *
 * The writer wakes only an armed epoch (`cellWakeArmed`: odd → +1, even, then notify). Once it
 * woke the sleepers, later publishes do not notify again until a sleeper re-arms: a woken
 * thread that is slow to run (more busy threads than cores) stays counted in `waiters` for a
 * while, and every publish meanwhile paid a notify, a runtime call, for nobody (at one record
 * per publish, a fifth of the producer's publishes). Why no wake is lost: a sleeper sleeps on
 * the odd value e it armed; a write it did not see comes after its check, so the writer's load
 * of the epoch that follows sees e (and moves it, and notifies) or a later value (the epoch
 * already moved off e, and whoever moved it notified). Several writers of one word (a doorbell)
 * may both move it: an extra notify, never a missed one. Forced wakes (`cellWake`: end, abort,
 * stop) add 2, which keeps the parity and changes the value, from any thread.
 *
 * Strategies (the spin budget is set in time, not in loop iterations):
 *   WAIT_SPIN     spin until the condition holds (checks for a stop every SPIN_CHUNK loads);
 *                 never sleeps, so writers never notify. For dedicated cores only.
 *   WAIT_BACKOFF  spin for the ring's spin budget (default 20 µs), then yield (short sleeps
 *                 that nobody has to wake, YIELD_NS in total), then sleep on the epoch with a
 *                 BACKOFF_TIMEOUT_NS timeout, announced so that the writer wakes it.
 *   WAIT_BLOCK    sleep at once (announced), BLOCK_TIMEOUT_NS as a safety net.
 */

/**
 * The host clock: `performance.now()` in ticks of CLOCK_TICK_NS, masked to CLOCK_TICK_BITS bits,
 * so the value is a small integer (a V8 Smi): reading it allocates nothing (an f64 result was a
 * boxed heap number per read, and backoff waiters collected garbage while they spun).
 */
// @ts-ignore: decorator
@external("env", "clockTicks")
declare function clockTicks(): i32;

export const WAIT_SPIN: u32 = 0;
export const WAIT_BACKOFF: u32 = 1;
export const WAIT_BLOCK: u32 = 2;

export const C_VALUE: u32 = 0;
export const C_WAITERS: u32 = 8;
export const C_EPOCH: u32 = 12;

/** condition checks between two clock reads while spinning */
export const SPIN_CHUNK: i32 = 64;
/** backoff: total time spent in unannounced short sleeps after the spin budget */
export const YIELD_NS: f64 = 200_000;
/** backoff: one unannounced short sleep */
export const YIELD_STEP_NS: i64 = 20_000;
/** backoff: announced sleeps time out after this (a heartbeat; wakes come from the writer) */
export const BACKOFF_TIMEOUT_NS: i64 = 1_000_000;
/** block: announced sleeps time out after this (a safety net only) */
export const BLOCK_TIMEOUT_NS: i64 = 100_000_000;

/** Nanoseconds per tick of the host clock import (kernel/core/wasm.ts uses the same). */
export const CLOCK_TICK_NS: f64 = 100;
/** Bits of the host clock import: ticks wrap every 2^30 x 100 ns = 107 s. */
export const CLOCK_TICK_MASK: i32 = 0x3fffffff;

// The widened clock of this thread (module globals are per instance, i.e. per thread): the
// last raw tick read and the ticks counted since the first read. Not memory, not shared.
let clockLastRaw: i32 = 0;
let clockTicksSeen: i64 = 0;

/**
 * The clock the spin budget is measured with: monotonic ns of this thread (host
 * `performance.now()` at 100 ns resolution). The 30-bit raw ticks are widened here: each read
 * adds the wrap-aware difference to the previous one, so elapsed times are exact as long as a
 * thread reads the clock at least once per wrap (107 s) while it measures one; a timed spin
 * reads it about log2(budget / chunk) times per wait (spinStart/spinDone). Values of different
 * threads are not comparable.
 */
export function clockNs(): f64 {
  const raw = clockTicks();
  clockTicksSeen += <i64>((raw - clockLastRaw) & CLOCK_TICK_MASK);
  clockLastRaw = raw;
  return <f64>clockTicksSeen * CLOCK_TICK_NS;
}

// A timed spin (spinStart, then spinDone after each SPIN_CHUNK of polls) reads the clock rarely:
// each read allocates on the host side (kernel/core/clock-ticks.ts: every JS clock read does on
// Node 20), and a stage that spins idle read it every 64 polls, millions of times a second (its
// collections were all from there). The first part of a spin is not timed at all: as many chunks
// as half the budget would last if a chunk took SPIN_CHUNK_NS_MIN (2 ns a poll; a poll of lines
// nobody writes is faster), so a wait that ends there, as most waits of a busy pipeline do,
// reads no clock. Then the clock is read, and the other half of the budget is timed with reads
// after 1/4 of the untimed chunks, then twice as many each time while less than half of it has
// passed: a wait reads the clock a few times at most. Slower polls stretch the untimed part
// (a budget is a bound on how soon a waiter gives up, kept within a small factor). Per thread,
// not nested.
const SPIN_CHUNK_NS_MIN: f64 = 128;
let spinT0: f64 = -1;
let spinBudget: f64 = 0;
let spinEvery: i32 = 1;
let spinLeft: i32 = 1;
const SPIN_EVERY_MAX: i32 = 1 << 24;

/** Start a spin of about `budgetNs` (reads no clock). */
export function spinStart(budgetNs: f64): void {
  const half = budgetNs / 2;
  const untimed = <i32>Math.min(Math.max(half / SPIN_CHUNK_NS_MIN, 1), <f64>SPIN_EVERY_MAX);
  spinT0 = -1;
  spinBudget = budgetNs - <f64>untimed * SPIN_CHUNK_NS_MIN;
  spinLeft = untimed;
  spinEvery = untimed >> 2 > 1 ? untimed >> 2 : 1;
}

/** One more SPIN_CHUNK of polls was spun: true once the budget given to spinStart has passed. */
export function spinDone(): bool {
  if (--spinLeft > 0) return false;
  if (spinT0 < 0) {
    spinT0 = clockNs();
    spinLeft = spinEvery;
    return spinBudget <= 0;
  }
  const elapsed = clockNs() - spinT0;
  if (elapsed >= spinBudget) return true;
  if (elapsed * 2 < spinBudget && spinEvery < SPIN_EVERY_MAX) spinEvery <<= 1;
  spinLeft = spinEvery;
  return false;
}

/** Store a new value and wake sleepers if any announced themselves since the last wake. */
// @ts-ignore: decorator
@inline export function cellPublish(cell: usize, value: i64): void {
  atomic.store<i64>(cell + C_VALUE, value);
  if (atomic.load<i32>(cell + C_WAITERS) != 0) cellWakeArmed(cell);
}

/**
 * The sleeper count of every notify: "all" (no ring has 2^30 threads). Not -1 (u32 0xffffffff,
 * the usual "all"): V8 hands a wasm notify's count to its runtime as a JS number, and one that
 * is not a small integer is a heap number, so -1 allocated 16 bytes on the notifying thread's
 * heap at every wake (a publish to a sleeping stage, a release to a sleeping producer).
 */
const WAKE_ALL: i32 = 1 << 30;

/**
 * The writer's wake, after its store and a load of `waiters` that was not 0: only an armed epoch
 * (a sleeper announced itself since the last wake) is moved and notified.
 */
// @ts-ignore: decorator
@inline export function cellWakeArmed(cell: usize): void {
  if ((atomic.load<i32>(cell + C_EPOCH) & 1) != 0) {
    atomic.add<i32>(cell + C_EPOCH, 1);
    atomic.notify(cell + C_EPOCH, WAKE_ALL);
  }
}

/** Wake every sleeper of a cell, whatever its value (end of stream, abort); any thread. */
export function cellWake(cell: usize): void {
  atomic.add<i32>(cell + C_EPOCH, 2);
  atomic.notify(cell + C_EPOCH, WAKE_ALL);
}

/** Announce a possible sleep and arm the epoch; returns the epoch to pass to `cellSleep`. */
export function cellPrepare(cell: usize): i32 {
  atomic.add<i32>(cell + C_WAITERS, 1);
  return atomic.or<i32>(cell + C_EPOCH, 1) | 1;
}

/** Sleep until the epoch moves past `epoch` or the timeout passes. Call between prepare and done. */
export function cellSleep(cell: usize, epoch: i32, timeoutNs: i64): void {
  atomic.wait<i32>(cell + C_EPOCH, epoch, timeoutNs);
}

/** Withdraw the announcement made by `cellPrepare`. */
export function cellDone(cell: usize): void {
  atomic.sub<i32>(cell + C_WAITERS, 1);
}

/** An unannounced short sleep (the "yield" step of backoff). */
export function napOn(cell: usize, ns: i64): void {
  atomic.wait<i32>(cell + C_EPOCH, atomic.load<i32>(cell + C_EPOCH), ns);
}

/**
 * Stack-notes G1 probe: Node 20's baseline compiler clobbers a register held across
 * `atomic.wait`. Returns `(word << 8) | result`; with correct code the wait sees a value that
 * does not match and returns NOT_EQUAL (1) at once.
 */
export function g1Probe(word: usize): i32 {
  atomic.store<i32>(word, 7);
  return (<i32>word << 8) | <i32>atomic.wait<i32>(word, 8, 1_000_000);
}
