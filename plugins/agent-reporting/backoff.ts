/**
 * When to try again after `failures` consecutive failures of a report sent every `intervalMs`:
 * exponential backoff with "equal jitter" — the delay d = min(intervalMs × 2^failures, maxMs),
 * then a uniformly random point of [d/2, d] — so that many runtimes that lost the control plane
 * together do not come back together. No failure: the plain interval.
 */
export function retryDelay(
  intervalMs: number,
  failures: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  if (failures <= 0) return intervalMs;
  const d = Math.min(intervalMs * 2 ** Math.min(failures, 30), Math.max(maxMs, intervalMs));
  return Math.round(d / 2 + random() * (d / 2));
}
