/**
 * Wait strategies and the wake protocol of a sequence cell.
 *
 * A *cell* is a 64-bit sequence with a single writer, alone on its 128-byte line:
 *   +0  value   i64   the sequence (monotonic)
 *   +8  waiters i32   threads that announced they may sleep on this cell
 *   +12 epoch   i32   bumped on every wake; sleepers wait on this word
 *
 * Publishing is a sequentially consistent store of the value followed by a load of `waiters`:
 * only when somebody may be asleep does the writer pay for an epoch bump and a notify. A sleeper
 * announces itself (`waiters += 1`), reads the epoch, re-checks its condition and only then
 * waits on the epoch word, so a wake between the check and the wait is never lost (all wasm
 * atomics are SC, so this is the Dekker pattern of stack-notes §2, with the epoch word making
 * wakes for reasons other than the value itself — end of stream, abort — just as safe).
 *
 * Strategies (the spin budget is set in time, not in loop iterations):
 *   WAIT_SPIN     spin until the condition holds (checks for a stop every SPIN_CHUNK loads);
 *                 never sleeps, so writers never notify. For dedicated cores only.
 *   WAIT_BACKOFF  spin for the ring's spin budget (default 20 µs), then yield (short sleeps
 *                 that nobody has to wake, YIELD_NS in total), then sleep on the epoch with a
 *                 BACKOFF_TIMEOUT_NS timeout, announced so that the writer wakes it.
 *   WAIT_BLOCK    sleep at once (announced), BLOCK_TIMEOUT_NS as a safety net.
 */

// @ts-ignore: decorator
@external("env", "nowNs")
declare function nowNs(): f64;

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

/** The clock the spin budget is measured with (host `performance.now()`, in ns). */
export function clockNs(): f64 {
  return nowNs();
}

/** Store a new value and wake sleepers if any announced themselves. */
// @ts-ignore: decorator
@inline export function cellPublish(cell: usize, value: i64): void {
  atomic.store<i64>(cell + C_VALUE, value);
  if (atomic.load<i32>(cell + C_WAITERS) != 0) cellWake(cell);
}

/** Wake every sleeper of a cell, whatever its value (end of stream, abort). */
export function cellWake(cell: usize): void {
  atomic.add<i32>(cell + C_EPOCH, 1);
  atomic.notify(cell + C_EPOCH, -1);
}

/** Announce a possible sleep; returns the epoch to pass to `cellSleep`. */
export function cellPrepare(cell: usize): i32 {
  atomic.add<i32>(cell + C_WAITERS, 1);
  return atomic.load<i32>(cell + C_EPOCH);
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
