/**
 * The error codes the snapshot plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `SnapshotErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';

export const SnapshotErrors = defineErrors('snapshot', {
  BYTEOR_E_RUNTIME_GONE: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'no runtime answers and the process its state file names is gone; the last state is shown',
  },
});
