/**
 * Runs a set of benchmark.js cases synchronously and returns them as MicroResult cases
 * (ops/s, mean ns per op, relative margin of error, samples). `maxTime` bounds each case.
 */
import Benchmark from 'benchmark';
import type { MicroResult } from './bench-report.ts';

export type MicroCases = Record<string, () => unknown>;

export function runCases(cases: MicroCases, maxTimeS: number): MicroResult['cases'] {
  const suite = new Benchmark.Suite();
  let sink: unknown;
  for (const [name, fn] of Object.entries(cases))
    suite.add(
      name,
      () => {
        sink = fn();
      },
      { maxTime: maxTimeS, minSamples: 5 },
    );
  const out: MicroResult['cases'] = [];
  let failure: unknown = null;
  suite.on('cycle', (ev: Benchmark.Event) => {
    out.push(caseOf(ev.target));
  });
  suite.on('error', (ev: Benchmark.Event) => {
    failure ??= (ev.target as { error?: unknown }).error ?? new Error('a benchmark case failed');
  });
  suite.run({ async: false });
  void sink;
  if (failure) throw failure;
  return out;
}

/** One finished benchmark.js case as a MicroResult case. */
export function caseOf(b: Benchmark.Target): MicroResult['cases'][number] {
  return {
    case: String(b.name),
    ops_per_s: Math.round(b.hz ?? 0),
    mean_ns: Math.round((b.stats?.mean ?? 0) * 1e10) / 10,
    rme_pct: Math.round((b.stats?.rme ?? 0) * 10) / 10,
    samples: b.stats?.sample.length ?? 0,
  };
}

/** A MicroResult for `name`: the cases, or the error that stopped them. */
export function microResult(name: string, run: () => MicroResult['cases'], notes: string[] = []): MicroResult {
  try {
    return { name, ok: true, error: null, cases: run(), notes };
  } catch (e) {
    return { name, ok: false, error: e instanceof Error ? e.message : String(e), cases: [], notes };
  }
}
