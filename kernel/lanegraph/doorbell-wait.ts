/**
 * Waiting for any of several lanes (a merge for any input, a work-queue router for any output
 * with room): the lanes ring the role's doorbell, and the role waits per the graph's wait
 * strategy — spin: poll only (dedicated cores); backoff: poll for the spin budget, then
 * announced sleeps of BACKOFF_SLEEP_MS; block: announced sleeps of BLOCK_SLEEP_MS at once. The
 * timeouts only bound a lost wake; wakes come from the lanes. `ready` must also return true
 * when the wait should end for another reason (end of stream, abort).
 */
import { SPIN_POLLS, type Doorbell } from '../core/doorbells.ts';
import type { WaitKind } from '../core/ring.ts';

export const BACKOFF_SLEEP_MS = 1;
export const BLOCK_SLEEP_MS = 100;

export function waitForAny(bell: Doorbell, ready: () => boolean, wait: WaitKind, spinNs: number): void {
  if (ready()) return;
  if (wait === 'spin' || spinNs > 0) {
    const timed = wait !== 'spin';
    if (timed) bell.spinStart(spinNs);
    for (;;) {
      for (let i = 0; i < SPIN_POLLS; i++) if (ready()) return;
      if (timed && bell.spinDone()) break;
    }
  }
  const timeoutMs = wait === 'block' ? BLOCK_SLEEP_MS : BACKOFF_SLEEP_MS;
  for (;;) {
    const epoch = bell.prepare();
    try {
      if (ready()) return;
      bell.sleep(epoch, timeoutMs);
    } finally {
      bell.done();
    }
    if (ready()) return;
  }
}
