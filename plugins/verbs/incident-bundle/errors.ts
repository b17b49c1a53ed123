/**
 * The error codes the incident-bundle plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `IncidentBundleErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';

export const IncidentBundleErrors = defineErrors('incident-bundle', {
  BYTEOR_E_BUNDLE_CONFIG_UNREADABLE: { exit: ExitCode.USAGE, summary: '`--config` does not exist' },
  BYTEOR_E_BUNDLE_NO_JOURNAL: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: "the run directory's journal holds no records; the bundle is written without a journal window",
  },
  BYTEOR_E_BUNDLE_OUT_EXISTS: { exit: ExitCode.USAGE, summary: '`--out` exists and is not an empty directory' },
});
