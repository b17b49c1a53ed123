/**
 * The human form of a bench report: the machine line, one table row per bench with its peers
 * indented under it (ratios to ours), the disclosure of each bench, GC per thread, notes, and
 * the micro-benchmarks.
 */
import type { BenchReport, BenchResult } from './bench-report.ts';

export function rate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(x >= 1e7 ? 1 : 2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(x >= 1e5 ? 0 : 1)} k`;
  return `${Math.round(x)}`;
}

export function micros(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)} s`;
  if (x >= 1e4) return `${Math.round(x / 1000)} ms`;
  if (x >= 1000) return `${(x / 1000).toFixed(1)} ms`;
  if (x >= 100) return `${Math.round(x)} µs`;
  return `${x.toFixed(1)} µs`;
}

function pad(s: string, n: number, right = false): string {
  const len = [...s].length;
  return len >= n ? s : right ? ' '.repeat(n - len) + s : s + ' '.repeat(n - len);
}

const COLUMNS: Array<[string, number, boolean]> = [
  ['bench', 32, false],
  ['wait', 8, false],
  ['thr', 4, true],
  ['steady/s', 10, true],
  ['w/ startup', 11, true],
  ['ready', 8, true],
  ['p50', 9, true],
  ['p99', 9, true],
  ['p99.9', 9, true],
  ['max', 9, true],
  ['cpu/rec', 9, true],
  ['GC min/maj', 11, true],
  ['ours vs peer', 22, false],
];

function row(cells: string[]): string {
  return cells
    .map((c, i) => pad(c, COLUMNS[i]![1], COLUMNS[i]![2]))
    .join(' ')
    .trimEnd();
}

function ratioText(r: BenchResult): string {
  if (r.kind !== 'peer') return '';
  if (!r.ratio || r.ratio.throughput === null) return 'n/a';
  return r.latency ? `${r.ratio.throughput}x thr, p99 ${r.ratio.p99 ?? 'n/a'}x` : `${r.ratio.throughput}x thr`;
}

function resultRow(r: BenchResult): string {
  const name = r.kind === 'peer' ? `  ${r.name}` : r.name;
  if (!r.ok || !r.steady || !r.latency || !r.startup || !r.gc)
    return row([name, r.disclosure.wait.split(' ')[0]!, String(r.disclosure.threads), 'FAILED']);
  return row([
    name,
    r.disclosure.wait.split(' ')[0]!,
    String(r.disclosure.threads),
    rate(r.steady.records_per_s),
    rate(r.startup.records_per_s),
    `${(r.startup.ready_ms / 1000).toFixed(2)} s`,
    micros(r.latency.p50_us),
    micros(r.latency.p99_us),
    micros(r.latency.p999_us),
    micros(r.latency.max_us),
    `${Math.round(r.steady.cpu_ns_per_record)} ns`,
    `${r.gc.minor_total}/${r.gc.major_total}`,
    ratioText(r),
  ]);
}

/** A whole-process, fixed-work result (its disclosure says so): throughput and CPU, no latency phase. */
function isWholeProcess(r: BenchResult): boolean {
  return r.disclosure.process_boundary.includes('spawn to exit') || (r.ok && r.steady !== null && r.latency === null);
}

function processRow(r: BenchResult): string {
  const name = pad(r.kind === 'peer' ? `  ${r.name}` : r.name, 32);
  if (!r.ok || !r.steady) return `${name} FAILED`;
  const s = r.steady;
  const ratio = r.kind === 'peer' ? `  ours ${r.ratio?.throughput ?? 'n/a'}x` : '';
  return (
    `${name} ${pad(rate(s.records_per_s), 8, true)} records/s ${pad((s.seconds * 1000).toFixed(0), 6, true)} ` +
    `ms/run  cpu ${Math.round(s.cpu_ns_per_record)} ns/record${ratio}`
  ).trimEnd();
}

export function renderTable(report: BenchReport): string {
  const m = report.machine;
  const o = report.options;
  const out: string[] = [];
  out.push(
    `byteor-ts bench — ${m.cpu_model}, ${m.cores} usable core${m.cores === 1 ? '' : 's'} (${m.machine_class}), ` +
      `${m.platform} ${m.kernel}, Node ${m.node} (V8 ${m.v8})`,
  );
  out.push(
    `load average ${m.load_avg_start.join(' ')} at start, ${m.load_avg_end.join(' ')} at end; CPUs allowed ` +
      `${m.cpus_allowed ?? 'unknown'}; governor ${m.governor ?? 'unknown'}`,
  );
  out.push(
    `each phase ${o.duration_s} s; batch ${o.batch}; latency paced at ${o.load} x steady throughput, from ` +
      `scheduled send times (coordinated omission corrected); ${report.elapsed_s} s in all`,
  );
  out.push('');
  // whole-process, fixed-work benches (run_sp_file and its peers) have no latency phase: their own section
  const processResults = report.results.filter(isWholeProcess);
  const driven = report.results.filter((r) => !isWholeProcess(r));
  const benches = driven.filter((r) => r.kind === 'bench');
  if (driven.length) {
    out.push(row(COLUMNS.map((c) => c[0])));
    for (const b of benches) {
      out.push(resultRow(b));
      for (const p of driven.filter((r) => r.kind === 'peer' && r.reference === b.name)) out.push(resultRow(p));
    }
    for (const p of driven.filter((r) => r.kind === 'peer' && !benches.some((b) => b.name === r.reference)))
      out.push(resultRow(p));
    out.push('');
    out.push(
      'steady/s: records per second delivered in the steady window; w/ startup: delivered by its end over the ' +
        'time since setup began;',
    );
    out.push(
      'ready: setup until the first record could go in; p50..max: paced latency; cpu/rec: process CPU time per ' +
        'record (every thread);',
    );
    out.push(
      'GC min/maj: garbage collections of every thread during the steady window; ours vs peer: our records/s ÷ ' +
        "the peer's, the peer's p99 ÷ ours.",
    );
    out.push('');
  }
  if (processResults.length) {
    out.push('whole process, fixed work (a fresh process per run, spawn to exit; the median run)');
    const pbenches = processResults.filter((r) => r.kind === 'bench');
    const ordered = [
      ...pbenches.flatMap((b) => [b, ...processResults.filter((r) => r.kind === 'peer' && r.reference === b.name)]),
      ...processResults.filter((r) => r.kind === 'peer' && !pbenches.some((b) => b.name === r.reference)),
    ];
    for (const r of ordered) out.push(processRow(r));
    out.push('');
  }
  if (report.results.length) {
    out.push('disclosure');
    for (const r of report.results) {
      const d = r.disclosure;
      out.push(
        `  ${r.name}: ${d.topology}; ${d.threads} threads; wait ${d.wait}` +
          `${d.wait_requested ? ` (asked: ${d.wait_requested})` : ''}; capacity ${d.capacity}; batch ${d.batch}`,
      );
      out.push(`    payload: ${d.payload_shape}`);
      out.push(`    transport: ${d.transport}`);
      out.push(`    boundary: ${d.process_boundary}`);
      if (r.gc)
        out.push(
          `    GC in ${r.gc.window_s} s / ${r.gc.records} records: ` +
            `${r.gc.threads.map((t) => `${t.role} ${t.minor ?? '?'}/${t.major ?? '?'}`).join(', ')}; main heap ` +
            `${r.gc.main_heap_growth_bytes >= 0 ? '+' : ''}${r.gc.main_heap_growth_bytes} B`,
        );
      if (r.latency)
        out.push(
          `    latency offered ${rate(r.latency.offered_records_per_s)}/s, ${r.latency.records} records, mean ` +
            `${micros(r.latency.mean_us)}`,
        );
      for (const n of r.notes) out.push(`    note: ${n}`);
      if (r.error) out.push(`    ERROR: ${r.error}`);
    }
  }
  if (report.micro.length) {
    out.push('');
    out.push('micro-benchmarks (benchmark.js)');
    for (const m2 of report.micro) {
      out.push(
        `  ${m2.name}${m2.ok ? '' : `: FAILED: ${m2.error}`}${m2.notes.length ? ` (${m2.notes.join('; ')})` : ''}`,
      );
      const floor = m2.cases.find((c) => c.case === 'node -e 0')?.median_ns;
      for (const c of m2.cases) {
        if (c.median_ns !== undefined) {
          const over =
            floor !== undefined && c.case !== 'node -e 0'
              ? `, +${((c.median_ns - floor) / 1e6).toFixed(0)} ms over node -e 0`
              : '';
          out.push(
            `    ${pad(c.case, 52)} median ${(c.median_ns / 1e6).toFixed(0)} ms, min ` +
              `${((c.min_ns ?? 0) / 1e6).toFixed(0)} ms${over} (${c.samples} starts)`,
          );
          continue;
        }
        out.push(
          `    ${pad(c.case, 52)} ${pad(rate(c.ops_per_s), 9, true)} ops/s ` +
            (`${pad(`${c.mean_ns >= 1e4 ? Math.round(c.mean_ns / 1000) + ' µs' : Math.round(c.mean_ns) + ' ns'}`, 9, true)}` +
              `/op `) +
            `±${c.rme_pct}%`,
        );
      }
    }
  }
  return `${out.join('\n')}\n`;
}
