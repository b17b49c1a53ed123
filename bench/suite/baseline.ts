/**
 * bench/perf_baseline.kv: conservative thresholds per bench name and machine class, in the
 * spec.kv line format (parsed by the kernel's parseKv: `#` comments, key=value, no spaces):
 *
 *   <bench>.<class>.min_records_per_s=N      steady throughput must be at least N
 *   <bench>.<class>.max_p99_us=N             paced p99 latency must be at most N µs
 *   <bench>.<class>.max_cpu_ns_per_record=N  process CPU time per record must be at most N ns
 *   startup_<case>.<class>.max_overhead_ms=N  the built CLI's start (micro_startup case, median)
 *                                             at most N ms over `node -e 0` in the same run
 *
 * `compare` checks a report against them; `derive` turns a report into new thresholds
 * (`bench:check --update`) with wide margins, because these are CI-safe floors on shared,
 * noisy machines, not targets.
 */
import type { BenchReport, BenchResult } from './bench-report.ts';
import { parseKv } from '../../kernel/spec/kv.ts';
import { BenchErrors } from '../errors.ts';

export const METRICS = [
  'min_records_per_s',
  'max_p99_us',
  'max_cpu_ns_per_record',
  'max_overhead_ms',
  'max_steady_gcs',
] as const;
/**
 * `<bench>.<class>.min_percent_of_<peer>=N`: the bench's steady throughput must be at least N % of
 * that peer's in the same run (the goals of issue 16 are ratios to peers, e.g. 200 % of the
 * plain-JS ring).
 */
export const PERCENT_OF = 'min_percent_of_';
/** What `derive` computes from a run (the startup bound is a goal, kept by hand). */
const DERIVED_METRICS = ['min_records_per_s', 'max_p99_us', 'max_cpu_ns_per_record'] as const;
export type Metric = (typeof METRICS)[number];
export type DerivedMetric = (typeof DERIVED_METRICS)[number];

/** The thresholds of one bench on one machine class: metrics, and throughput percentages of peers. */
export type Thresholds = Partial<Record<Metric, number>> & { percentOf?: Record<string, number> };
/** bench → class → thresholds */
export type Baseline = Map<string, Map<string, Thresholds>>;

/** Margins of `derive`: throughput floor, p99 and CPU ceilings relative to the measured run. */
export const DERIVE = { throughputFactor: 0.25, p99Factor: 10, p99FloorUs: 20_000, cpuFactor: 4 } as const;

export function parseBaseline(text: string, file = 'bench/perf_baseline.kv'): Baseline {
  const kv = parseKv(text);
  const bad = (msg: string) => BenchErrors.error('BYTEOR_E_BENCH_BASELINE_INVALID', `${file}: ${msg}`);
  if (kv.errors.length) throw bad(kv.errors.map((e) => e.message).join('; '));
  const out: Baseline = new Map();
  for (const e of kv.entries) {
    const parts = e.key.split('.');
    const known =
      (METRICS as readonly string[]).includes(parts[2] ?? '') ||
      (parts[2]?.startsWith(PERCENT_OF) && parts[2].length > PERCENT_OF.length);
    if (parts.length !== 3 || !known) {
      throw bad(`line ${e.line}: "${e.key}" is not <bench>.<machine_class>.<${METRICS.join('|')}|${PERCENT_OF}PEER>`);
    }
    if (!/^[0-9]+$/.test(e.value)) throw bad(`line ${e.line}: ${e.key} must be a whole number, got "${e.value}"`);
    const [bench, cls, metric] = parts as [string, string, Metric];
    let byClass = out.get(bench);
    if (!byClass) {
      byClass = new Map();
      out.set(bench, byClass);
    }
    const t = byClass.get(cls) ?? {};
    if (metric.startsWith(PERCENT_OF)) (t.percentOf ??= {})[metric.slice(PERCENT_OF.length)] = Number(e.value);
    else t[metric] = Number(e.value);
    byClass.set(cls, t);
  }
  return out;
}

export interface CheckLine {
  bench: string;
  metric: Metric | 'ran' | `${typeof PERCENT_OF}${string}`;
  measured: number | null;
  threshold: number | null;
  ok: boolean;
  note: string | null;
}

export function hasClass(b: Baseline, cls: string): boolean {
  return [...b.values()].some((m) => m.has(cls));
}

function measured(r: BenchResult, m: Metric): number | null {
  if (m === 'min_records_per_s') return r.steady?.records_per_s ?? null;
  if (m === 'max_p99_us') return r.latency?.p99_us ?? null;
  if (m === 'max_steady_gcs') return r.gc ? r.gc.minor_total + r.gc.major_total : null;
  return r.steady?.cpu_ns_per_record ?? null;
}

/** One line per bench and metric with a threshold for the report's machine class. */
export function compare(b: Baseline, report: BenchReport): CheckLine[] {
  const cls = report.machine.machine_class;
  const lines: CheckLine[] = [];
  for (const r of report.results.filter((x) => x.kind === 'bench')) {
    const t = b.get(r.name)?.get(cls);
    if (!t) {
      lines.push({
        bench: r.name,
        metric: 'ran',
        measured: null,
        threshold: null,
        ok: true,
        note: `no thresholds for ${cls}`,
      });
      continue;
    }
    if (!r.ok) {
      lines.push({ bench: r.name, metric: 'ran', measured: null, threshold: null, ok: false, note: r.error });
      continue;
    }
    for (const m of METRICS) {
      const limit = t[m];
      if (limit === undefined) continue;
      const v = measured(r, m);
      const ok = v !== null && (m === 'min_records_per_s' ? v >= limit : v <= limit);
      lines.push({ bench: r.name, metric: m, measured: v, threshold: limit, ok, note: null });
    }
    for (const [peer, limit] of Object.entries(t.percentOf ?? {})) {
      const p = report.results.find((x) => x.name === peer && x.reference === r.name);
      const ratio = p?.ok ? (p.ratio?.throughput ?? null) : null;
      const v = ratio === null ? null : Math.round(ratio * 100);
      // a report without the peer (bench:check's own run has no peers) cannot check the ratio: said, not failed
      if (!p) {
        lines.push({
          bench: r.name,
          metric: `${PERCENT_OF}${peer}`,
          measured: null,
          threshold: limit,
          ok: true,
          note: `not checked: ${peer} did not run (run the bench with its peers)`,
        });
        continue;
      }
      lines.push({
        bench: r.name,
        metric: `${PERCENT_OF}${peer}`,
        measured: v,
        threshold: limit,
        ok: v !== null && v >= limit,
        note: p.ok ? null : p.error,
      });
    }
  }
  const startup = report.micro.find((m) => m.name === 'micro_startup');
  const floor = startup?.cases.find((c) => c.case === 'node -e 0')?.median_ns;
  for (const c of startup?.cases ?? []) {
    const limit = b.get(c.case)?.get(cls)?.max_overhead_ms;
    if (limit === undefined) continue;
    const v = c.median_ns !== undefined && floor !== undefined ? Math.round((c.median_ns - floor) / 1e6) : null;
    lines.push({
      bench: c.case,
      metric: 'max_overhead_ms',
      measured: v,
      threshold: limit,
      ok: v !== null && v <= limit,
      note: null,
    });
  }
  if (startup && !startup.ok)
    lines.push({
      bench: 'micro_startup',
      metric: 'ran',
      measured: null,
      threshold: null,
      ok: false,
      note: startup.error,
    });
  return lines;
}

/** Round to two significant digits, down (floors) or up (ceilings). */
export function round2(x: number, dir: 'down' | 'up'): number {
  if (!(x > 0)) return 0;
  const p = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 1);
  return (dir === 'down' ? Math.floor(x / p) : Math.ceil(x / p)) * p;
}

/**
 * Conservative thresholds from a report, for its machine class (no p99 for a whole-process bench: it has no latency
 * phase).
 */
export function derive(report: BenchReport): Map<string, Partial<Record<DerivedMetric, number>>> {
  const out = new Map<string, Partial<Record<DerivedMetric, number>>>();
  for (const r of report.results) {
    if (r.kind !== 'bench' || !r.ok || !r.steady) continue;
    out.set(r.name, {
      min_records_per_s: round2(r.steady.records_per_s * DERIVE.throughputFactor, 'down'),
      ...(r.latency
        ? { max_p99_us: round2(Math.max(r.latency.p99_us * DERIVE.p99Factor, DERIVE.p99FloorUs), 'up') }
        : {}),
      max_cpu_ns_per_record: round2(r.steady.cpu_ns_per_record * DERIVE.cpuFactor, 'up'),
    });
  }
  return out;
}

/**
 * The baseline text with the thresholds of `cls` replaced by `fresh` (other classes, comments
 * and their order kept; the new lines appended under a `# class <cls>: <comment>` line that
 * replaces the previous one).
 */
export function updateBaselineText(
  text: string,
  cls: string,
  fresh: Map<string, Partial<Record<DerivedMetric, number>>>,
  comment: string,
): string {
  const mine = (line: string) => {
    const key = line.split('=')[0]!;
    const parts = key.split('.');
    // only the derived metrics are replaced: goal lines (max_steady_gcs, min_percent_of_*) and the startup bounds stay
    return (
      parts.length === 3 &&
      parts[1] === cls &&
      fresh.has(parts[0]!) &&
      (DERIVED_METRICS as readonly string[]).includes(parts[2]!)
    );
  };
  const header = `# class ${cls}:`;
  const kept = text.split('\n').filter((l) => !l.startsWith(header) && (l.startsWith('#') || l === '' || !mine(l)));
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  const add = [`${header} ${comment}`];
  for (const [bench, t] of fresh)
    for (const m of DERIVED_METRICS) if (t[m] !== undefined) add.push(`${bench}.${cls}.${m}=${t[m]}`);
  return `${[...kept, '', ...add].join('\n')}\n`;
}
