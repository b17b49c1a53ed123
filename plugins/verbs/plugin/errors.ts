/**
 * The error codes the plugin plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `PluginErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';

export const PluginErrors = defineErrors('plugin', {
  BYTEOR_E_PLUGIN_INIT_NOT_EMPTY: {
    exit: ExitCode.USAGE,
    summary: '`plugin init DIR`: DIR exists and is not empty (or is a file); name a new or empty directory',
  },
});
