/**
 * The error codes the dot plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `DotErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';

export const DotErrors = defineErrors('dot', {
  BYTEOR_E_DOT_GRAPHVIZ_MISSING: {
    exit: ExitCode.HOST_NOT_READY,
    summary: 'Graphviz `dot` is not installed; install it, or write DOT with --out=FILE.dot',
  },
  BYTEOR_E_DOT_RENDER_FAILED: { exit: ExitCode.RUNTIME_FAILURE, summary: 'running Graphviz `dot` failed' },
});
