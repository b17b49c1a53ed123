/**
 * The error codes the approval plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `ApprovalErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';

export const ApprovalErrors = defineErrors('approval', {
  BYTEOR_E_APPROVAL_KEYGEN_EXISTS: {
    exit: ExitCode.USAGE,
    summary: '`approval keygen` would overwrite a private key file or reuse a `kid`',
  },
  BYTEOR_E_APPROVAL_KEYGEN_WRITE: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: '`approval keygen` cannot write the private key file',
  },
  BYTEOR_E_USAGE_MISSING_FLAG: {
    exit: ExitCode.USAGE,
    summary: 'an `approval` action misses a flag it needs (or got both `--spec` and `--spec-hash`)',
  },
});
