/**
 * Reconnect / retry delays: exponential from `initialMs` doubling up to `maxMs`, with ±20 %
 * jitter so that many runtimes do not reconnect in lock step. `reset()` after a success.
 */
export class Backoff {
  private attempt = 0;
  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
  ) {}

  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.max(1, Math.round(base * (0.8 + 0.4 * Math.random())));
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** wait until `done()` holds or `ms` passed; true when it holds */
export async function settle(done: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() >= until) return false;
    await sleep(Math.min(10, until - Date.now()));
  }
  return true;
}
