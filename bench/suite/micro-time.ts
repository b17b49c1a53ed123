/** Seconds benchmark.js may spend per micro-benchmark case: a fifth of --duration, 0.05..2 s. */
export function microMaxTime(durationS: number): number {
  return Math.min(2, Math.max(0.05, durationS / 5));
}
