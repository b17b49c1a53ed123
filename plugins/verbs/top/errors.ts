/**
 * The error codes the top plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `TopErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';

export const TopErrors = defineErrors('top', {
  BYTEOR_E_TOP_FAILED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: '`top` stopped: the runtime could not be read; see `byteor snapshot`',
  },
});
