/**
 * Peers as ratios to our result: throughput = ours / peer (above 1: ours moves more records per
 * second); p99 = peer / ours (above 1: ours has the lower tail). Null when either side failed,
 * and p99 null for whole-process benches (no latency phase).
 */
import type { BenchResult } from './bench-report.ts';

const r2 = (x: number) => Math.round(x * 100) / 100;

export function withRatios(results: readonly BenchResult[]): BenchResult[] {
  return results.map((r) => {
    if (r.kind !== 'peer' || !r.reference) return r;
    const ours = results.find((x) => x.name === r.reference);
    if (!ours?.ok || !r.ok || !ours.steady || !r.steady) return { ...r, ratio: { throughput: null, p99: null } };
    return {
      ...r,
      ratio: {
        throughput: r.steady.records_per_s > 0 ? r2(ours.steady.records_per_s / r.steady.records_per_s) : null,
        p99: ours.latency && r.latency && ours.latency.p99_us > 0 ? r2(r.latency.p99_us / ours.latency.p99_us) : null,
      },
    };
  });
}
