/**
 * The error codes the metrics plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `MetricsErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../kernel/exit-codes.ts';

export const MetricsErrors = defineErrors('metrics', {
  BYTEOR_E_METRICS_BIND: {
    exit: ExitCode.HOST_NOT_READY,
    summary: '--metrics cannot listen on the address; give a free one, e.g. --metrics=127.0.0.1:0',
  },
  BYTEOR_E_METRICS_NEEDS_RUN_DIR: {
    exit: ExitCode.USAGE,
    summary: '--metrics needs the long-running form of run (a run directory)',
  },
});
