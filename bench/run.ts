/**
 * `npm run bench -- [NAME...] [--machine] [--duration=S] [--stages=N] [--shards=N]
 *  [--wait=spin|backoff|block] [--payload=BYTES] [--batch=N] [--load=F] [--svg=FILE] [--no-peers]`
 *
 * Runs ByteOr's bench names, the peer set (compared with single_ring_chain) and the
 * micro-benchmarks, each in its own child process, one after another (never two at once: they
 * would share the cores). Prints the table (or, with --machine, the bench_report_v 1 JSON) on
 * stdout; progress on stderr. Exit 0 when every bench ran, 1 when one failed, 2 on bad flags.
 * See docs/performance.md.
 */
import { writeFileSync } from 'node:fs';
import { BENCH_REPORT_VERSION, BenchReport, type BenchResult, type MicroResult } from './suite/bench-report.ts';
import { stableJson } from '../kernel/artifacts/json.ts';
import { isByteorError } from '../kernel/errors.ts';
import { ExitCode } from '../kernel/exit-codes.ts';
import { runChild } from './suite/child-process.ts';
import { describeMachine, loadAverage } from './suite/machine.ts';
import { parseBenchArgs, type SuiteOptions } from './suite/options.ts';
import { withRatios } from './suite/ratios.ts';
import { renderSvg } from './suite/svg.ts';
import { renderTable } from './suite/table.ts';
import { BenchErrors } from './errors.ts';

export async function runSuite(
  o: SuiteOptions,
  progress: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<BenchReport> {
  const loadStart = loadAverage();
  const started = Date.now();
  const results: BenchResult[] = [];
  const micro: MicroResult[] = [];
  for (const [i, name] of o.names.entries()) {
    progress(`[${i + 1}/${o.names.length}] ${name} ...`);
    const t = Date.now();
    const m = await runChild(name, o);
    if (m.type === 'bench') results.push(m.result);
    else micro.push(m.result);
    const r = m.result;
    progress(
      `[${i + 1}/${o.names.length}] ${name}: ${r.ok ? 'done' : `FAILED: ${r.error}`} (` +
        `${((Date.now() - t) / 1000).toFixed(1)} s)`,
    );
  }
  return BenchReport.parse({
    bench_report_v: BENCH_REPORT_VERSION,
    started_unix_ms: started,
    elapsed_s: Math.round((Date.now() - started) / 100) / 10,
    machine: describeMachine(loadStart),
    options: {
      names: o.names,
      duration_s: o.durationS,
      stages: o.stages,
      shards: o.shards,
      wait: o.wait,
      payload_bytes: o.payload,
      batch: o.batch,
      load: o.load,
    },
    results: withRatios(results),
    micro,
  });
}

async function main(argv: string[]): Promise<number> {
  const o = parseBenchArgs(argv);
  const report = await runSuite(o);
  if (o.svg) {
    try {
      writeFileSync(o.svg, renderSvg(report));
    } catch (e) {
      throw BenchErrors.error(
        'BYTEOR_E_BENCH_SVG_WRITE',
        `cannot write ${o.svg}: ${(e as Error).message}; check that its directory exists and is writable`,
      );
    }
    process.stderr.write(`wrote ${o.svg}\n`);
  }
  process.stdout.write(o.machine ? stableJson(report) : renderTable(report));
  const failed = [...report.results, ...report.micro].filter((r) => !r.ok).map((r) => r.name);
  if (failed.length) process.stderr.write(`failed: ${failed.join(', ')}\n`);
  return failed.length ? ExitCode.RUNTIME_FAILURE : ExitCode.OK;
}

if (import.meta.url === `file://${process.argv[1]}`) {
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
}
