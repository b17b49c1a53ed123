/**
 * The error codes the run plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `RunErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';

export const RunErrors = defineErrors('run', {
  BYTEOR_E_ADAPTER_DIRECTION: { exit: ExitCode.USAGE, summary: 'the adapter kind cannot be used on that side' },
  BYTEOR_E_ADAPTER_UNKNOWN: { exit: ExitCode.USAGE, summary: 'no loaded plugin provides the adapter kind' },
  BYTEOR_E_CONFIG_INVALID: {
    exit: ExitCode.USAGE,
    summary: 'a `--config` line is not `ingress.`/`egress.` key=value, a duplicate, or a side lacks `kind`',
  },
  BYTEOR_E_CONFIG_UNREADABLE: { exit: ExitCode.USAGE, summary: '`--config` cannot be read' },
  BYTEOR_E_RECORDS_REFUSED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the run refused records (reported at the end of the run)',
  },
});
