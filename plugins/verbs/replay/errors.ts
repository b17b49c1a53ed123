/**
 * The error codes the replay plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `ReplayErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';

export const ReplayErrors = defineErrors('replay', {
  BYTEOR_E_REPLAY_AUDIT_EXISTS: { exit: ExitCode.USAGE, summary: '`--out` exists' },
  BYTEOR_E_REPLAY_DENIED: {
    exit: ExitCode.POLICY_DENIED,
    summary: 'a stage is denied replay (replay policy `disabled`, or a family that does not support replay)',
  },
  BYTEOR_E_REPLAY_EXECUTE_NOT_ALLOWED: {
    exit: ExitCode.POLICY_DENIED,
    summary: 'execute asked where the posture allows only dry-run replay',
  },
  BYTEOR_E_REPLAY_FAILED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the pipeline failed during the replay (the audit has the error)',
  },
  BYTEOR_E_REPLAY_LIMIT: { exit: ExitCode.POLICY_DENIED, summary: 'over `--max-actions` or `--max-input-bytes`' },
  BYTEOR_E_REPLAY_NO_LANE: {
    exit: ExitCode.USAGE,
    summary: '`--journal-lane` names no window, or several windows and no `--journal-lane`',
  },
  BYTEOR_E_REPLAY_SETTING_INVALID: {
    exit: ExitCode.USAGE,
    summary: "a `--set` without `=`, or a setting (recorded or given) its plugin's schema refuses",
  },
  BYTEOR_E_REPLAY_SETTING_REDACTED: {
    exit: ExitCode.USAGE,
    summary: 'a setting was recorded redacted (its value looked secret): give it with `--set`',
  },
  BYTEOR_E_REPLAY_SETTING_UNKNOWN: {
    exit: ExitCode.USAGE,
    summary: '`--set=NAME=…` names no flag a loaded plugin adds to `run`',
  },
});
