/**
 * The error codes the actiongraph plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `ActiongraphErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../kernel/exit-codes.ts';

export const ActiongraphErrors = defineErrors('actiongraph', {
  BYTEOR_E_ACTION_BAD_KEY: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'a stage created with a key its `check()` refuses (normally caught by validation first)',
  },
  BYTEOR_E_ACTION_CONFIG: {
    exit: ExitCode.USAGE,
    summary: 'a `BYTEOR_HTTP_POST_*` / `BYTEOR_EXEC_*` / `BYTEOR_ACTION_*` value does not parse',
  },
  BYTEOR_E_ACTION_EXEC_DISABLED: {
    exit: ExitCode.POLICY_DENIED,
    summary: 'an exec stage would run but `BYTEOR_EXEC_ALLOWLIST` is unset',
  },
  BYTEOR_E_ACTION_EXEC_FAILED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the program exited non-zero, died by a signal or could not start',
  },
  BYTEOR_E_ACTION_EXEC_TIMEOUT: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the program ran past `BYTEOR_EXEC_TIMEOUT` and was killed',
  },
  BYTEOR_E_ACTION_HTTP_POST_FAILED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a POST failed after its retries, or got a non-retryable status; `details.sequence` names the record',
  },
  BYTEOR_E_ACTION_NOT_ALLOWLISTED: {
    exit: ExitCode.POLICY_DENIED,
    summary:
      'an http_post target is not covered by `BYTEOR_HTTP_POST_ALLOWLIST`, or an exec program is not on ' +
      '`BYTEOR_EXEC_ALLOWLIST`',
  },
  BYTEOR_E_POLICY_APPROVAL_REQUIRED: {
    exit: ExitCode.POLICY_DENIED,
    summary:
      "the environment requires an approval for the spec's side effects and none was found; lists the capabilities",
  },
  BYTEOR_E_POLICY_DENIED: {
    exit: ExitCode.POLICY_DENIED,
    summary: "the side-effect policy denies the spec's side effects (`deny_all`)",
  },
});
