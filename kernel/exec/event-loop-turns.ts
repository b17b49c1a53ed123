/**
 * How a worker that runs stage code (a SingleRing stage worker, a LaneGraph stage role) lets the
 * stage's asynchronous work — timers, promises, I/O — run while the pipeline runs: busy, it turns
 * its event loop at least every TURN_MS (one clock read per batch, nothing per record); idle, it
 * waits WAIT_SLICE_MS at a time per the ring's or lane's strategy and then sleeps on the event
 * loop itself (an async wait the writer wakes), or for `spin`, spins a slice, turns, and again.
 */

/** Most time a busy worker runs batches without turning its event loop. */
export const TURN_MS = 2;
/** How long an idle worker waits per its strategy before it sleeps on its event loop. */
export const WAIT_SLICE_MS = 1;

/** One turn of the event loop (timers and I/O callbacks due now run). */
export const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
