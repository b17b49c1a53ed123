/**
 * The error codes the benchmarks raise: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `BenchErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../kernel/errors/define-errors.ts';
import { ExitCode } from '../kernel/exit-codes.ts';

export const BenchErrors = defineErrors('bench', {
  BYTEOR_E_BENCH_BASELINE_INVALID: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary:
      '`perf_baseline.kv` does not parse, has a key other than `<bench>.<class>.<metric>`, or a value that is ' +
      'not a whole number',
  },
  BYTEOR_E_BENCH_FAILED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the pipeline failed without a code of its own, or `bench:check` could not start the run',
  },
  BYTEOR_E_BENCH_LOST_RECORDS: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: "the pipeline's summary does not account for every record sent",
  },
  BYTEOR_E_BENCH_NO_BASELINE: {
    exit: ExitCode.USAGE,
    summary: '`bench:check`: no thresholds for this machine class (add them with `--update`)',
  },
  BYTEOR_E_BENCH_NO_PROGRESS: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'no record was delivered during the steady window (overloaded machine, or `--duration` too short)',
  },
  BYTEOR_E_BENCH_REGRESSION: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: '`bench:check`: a threshold broke or a bench failed',
  },
  BYTEOR_E_BENCH_REPORT_INVALID: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: '`bench:check`: the report is unreadable, not JSON, or not `bench_report_v 1`',
  },
  BYTEOR_E_BENCH_SETUP: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: '`edgeplane_identity_stage`: no websocket adapter, or the ingress did not report its port',
  },
  BYTEOR_E_BENCH_STALLED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a drain made no progress for 60 s (a lost wake-up or a dead thread)',
  },
  BYTEOR_E_BENCH_SVG_WRITE: { exit: ExitCode.RUNTIME_FAILURE, summary: '`--svg=FILE` cannot be written' },
  BYTEOR_E_BENCH_UNKNOWN_NAME: {
    exit: ExitCode.USAGE,
    summary: 'a name that is no bench, peer or micro suite; the known names follow',
  },
  BYTEOR_E_BENCH_USAGE: {
    exit: ExitCode.USAGE,
    summary: 'a bad flag or flag value (`npm run bench`, `bench:check`); the usage follows',
  },
  BYTEOR_E_BENCH_WORKLOAD_REJECTED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a stage dropped or refused bench records (the workload must pass every stage)',
  },
});
