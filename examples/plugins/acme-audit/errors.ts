import { defineErrors, ExitCode } from 'byteor/plugin';

/**
 * Every error code this plugin raises, with its exit code and a one-line summary. The plugin
 * declares the table in its definition (`errors: AcmeErrors`), and builds its errors with
 * `AcmeErrors.error(code, message, details?)`: a code it does not declare is a compile error.
 */
export const AcmeErrors = defineErrors('acme-audit', {
  BYTEOR_E_ACME_SETTINGS: { exit: ExitCode.USAGE, summary: 'a bad acme_seq adapter setting (the key is named)' },
  BYTEOR_E_ACME_STATE_INVALID: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: "the run directory's acme audit state fails its schema",
  },
});
