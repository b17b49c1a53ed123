/**
 * The error codes the diff plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `DiffErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';

export const DiffErrors = defineErrors('diff', {
  BYTEOR_E_DIFF_USAGE: { exit: ExitCode.USAGE, summary: 'neither or both of `--against` and `--bundle`' },
});
