/**
 * `npm run bench:check -- [REPORT.json] [--baseline=FILE] [--update] [--json] [--duration=S]`
 *
 * Compares a bench report (`npm run bench -- --machine > REPORT.json`) against the conservative
 * thresholds in bench/perf_baseline.kv for the report's machine class. Without REPORT it runs
 * ByteOr's bench names and micro_startup first (no peers, no other micro-benchmarks). Not part of `npm test`.
 *
 * Exit 0: every threshold held; 1: a bench fell below its floor, went over a ceiling, or failed
 * (BYTEOR_E_BENCH_REGRESSION); 2: bad flags, or no thresholds for this machine class
 * (BYTEOR_E_BENCH_NO_BASELINE: run with --update on the target machine to add them);
 * 6: the report or the baseline file is unreadable or invalid.
 *
 * --update writes thresholds for the report's machine class from the report itself (throughput
 * × 0.25, p99 × 10 and at least 20 ms, CPU per record × 4, two significant digits), keeping the
 * other classes. See docs/performance.md.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BenchReport } from './suite/bench-report.ts';
import { stableJson } from '../kernel/artifacts/json.ts';
import { isByteorError } from '../kernel/errors.ts';
import { ExitCode } from '../kernel/exit-codes.ts';
import {
  compare,
  derive,
  DERIVE,
  hasClass,
  parseBaseline,
  updateBaselineText,
  type CheckLine,
} from './suite/baseline.ts';
import { BENCH_NAMES } from './suite/registry.ts';
import { nodeFlags } from './suite/child-process.ts';
import { micros, rate } from './suite/table.ts';
import { BenchErrors } from './errors.ts';

const DEFAULT_BASELINE = fileURLToPath(new URL('./perf_baseline.kv', import.meta.url));
const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));

function readReport(path: string): BenchReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw BenchErrors.error('BYTEOR_E_BENCH_REPORT_INVALID', `cannot read ${path}: ${(e as Error).message}`);
  }
  return parseReport(text, path);
}

function parseReport(text: string, from: string): BenchReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw BenchErrors.error(
      'BYTEOR_E_BENCH_REPORT_INVALID',
      `${from} is not JSON (${(e as Error).message}); produce it with npm run bench -- --machine`,
    );
  }
  const r = BenchReport.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw BenchErrors.error(
      'BYTEOR_E_BENCH_REPORT_INVALID',
      `${from} is not a bench_report_v 1 document: ${i.path.join('.')}: ${i.message}`,
    );
  }
  return r.data;
}

/**
 * Run ByteOr's bench names and the startup cases (no peers, no other micro) in a child and read its --machine report.
 */
function runBenches(duration: string | undefined): BenchReport {
  const args = [
    ...nodeFlags(),
    RUN,
    ...BENCH_NAMES,
    'micro_startup',
    '--no-peers',
    '--machine',
    ...(duration ? [`--duration=${duration}`] : []),
  ];
  const r = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
    encoding: 'utf8',
  });
  if (r.status === 2 || r.error)
    throw BenchErrors.error('BYTEOR_E_BENCH_FAILED', `the bench run did not start: ${r.error?.message ?? 'bad flags'}`);
  return parseReport(r.stdout, 'the bench run');
}

function lineText(l: CheckLine): string {
  const fmt = (v: number | null) =>
    v === null
      ? '-'
      : l.metric === 'min_records_per_s'
        ? `${rate(v)}/s`
        : l.metric === 'max_p99_us'
          ? micros(v)
          : l.metric === 'max_overhead_ms'
            ? `${v} ms`
            : l.metric === 'max_steady_gcs'
              ? `${v} collections`
              : l.metric.startsWith('min_percent_of_')
                ? `${v} %`
                : `${Math.round(v)} ns`;
  const what =
    l.metric === 'ran'
      ? (l.note ?? '')
      : `${fmt(l.measured)} vs ${l.metric.startsWith('min') ? '≥' : '≤'} ${fmt(l.threshold)}`;
  return `${l.ok ? 'ok  ' : 'FAIL'} ${l.bench.padEnd(30)} ${l.metric.padEnd(22)} ${what}`;
}

async function main(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        baseline: { type: 'string' },
        update: { type: 'boolean' },
        json: { type: 'boolean' },
        duration: { type: 'string' },
      },
    });
  } catch (e) {
    throw BenchErrors.error(
      'BYTEOR_E_BENCH_USAGE',
      `${(e as Error).message}\nusage: npm run bench:check -- [REPORT.json] [--baseline=FILE] [--update] ` +
        `[--json] [--duration=S]`,
    );
  }
  const baselinePath = a.values.baseline ?? DEFAULT_BASELINE;
  const report = a.positionals[0] ? readReport(a.positionals[0]) : runBenches(a.values.duration);
  let text = '';
  try {
    text = readFileSync(baselinePath, 'utf8');
  } catch (e) {
    if (!a.values.update)
      throw BenchErrors.error(
        'BYTEOR_E_BENCH_BASELINE_INVALID',
        `cannot read ${baselinePath}: ${(e as Error).message}`,
      );
  }
  const cls = report.machine.machine_class;
  if (a.values.update) {
    if (text) parseBaseline(text, baselinePath); // refuse to rewrite a file we cannot read
    const fresh = derive(report);
    const m = report.machine;
    const note =
      `${m.cpu_model}, ${m.cores} cores, Node ${m.node}, load ${m.load_avg_start.join(' ')}; measured ` +
      `${new Date(report.started_unix_ms).toISOString().slice(0, 10)}, thresholds = throughput x ` +
      `${DERIVE.throughputFactor}, p99 x ${DERIVE.p99Factor} (>= ${DERIVE.p99FloorUs / 1000} ms), cpu x ` +
      `${DERIVE.cpuFactor}`;
    writeFileSync(baselinePath, updateBaselineText(text, cls, fresh, note));
    process.stderr.write(`wrote ${fresh.size} benches' thresholds for ${cls} to ${baselinePath}\n`);
    return ExitCode.OK;
  }
  const baseline = parseBaseline(text, baselinePath);
  if (!hasClass(baseline, cls)) {
    throw BenchErrors.error(
      'BYTEOR_E_BENCH_NO_BASELINE',
      `${baselinePath} has no thresholds for machine class ${cls}; on that machine run npm run bench:check -- ` +
        `--update (or pass a report) to add conservative ones`,
      { machine_class: cls },
    );
  }
  const lines = compare(baseline, report);
  const failed = lines.filter((l) => !l.ok);
  if (a.values.json) process.stdout.write(stableJson({ machine_class: cls, ok: failed.length === 0, checks: lines }));
  else
    process.stdout.write(
      `bench:check against ${baselinePath}, machine class ${cls}\n${lines.map(lineText).join('\n')}\n`,
    );
  if (failed.length) {
    process.stderr.write(
      `BYTEOR_E_BENCH_REGRESSION: ${failed.length} check${failed.length === 1 ? '' : 's'} failed (` +
        `${[...new Set(failed.map((f) => f.bench))].join(', ')}); rerun on a quiet machine before believing it ` +
        `(load ${report.machine.load_avg_start.join(' ')})\n`,
    );
    return ExitCode.RUNTIME_FAILURE;
  }
  return ExitCode.OK;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    if (isByteorError(e)) {
      process.stderr.write(`${e.code}: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
