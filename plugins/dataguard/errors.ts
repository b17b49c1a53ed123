/**
 * The error codes the dataguard plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `DataguardErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../kernel/exit-codes.ts';

export const DataguardErrors = defineErrors('dataguard', {
  BYTEOR_E_DATAGUARD_COUNTS_INCONSISTENT: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the counts do not add up (a bug)',
  },
  BYTEOR_E_DATAGUARD_FLAGS_UNUSED: {
    exit: ExitCode.USAGE,
    summary: 'DataGuard flags for a spec without DataGuard stages',
  },
  BYTEOR_E_DATAGUARD_FLAG_MISSING: {
    exit: ExitCode.USAGE,
    summary: 'a DataGuard stage without all four registry flags',
  },
  BYTEOR_E_DATAGUARD_HASH_MODULE: {
    exit: ExitCode.HOST_NOT_READY,
    summary: '`build/sha256.wasm` (the `hash` rule) is missing or does not compile: run `npm run build`',
  },
  BYTEOR_E_DATAGUARD_KERNEL_MODULE: {
    exit: ExitCode.HOST_NOT_READY,
    summary:
      "`build/dataguard.wasm` (the redacting stages' batch kernel) is missing or does not compile: " +
      'run `npm run build`',
  },
  BYTEOR_E_DATAGUARD_REGISTRY_INVALID: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: 'a registry file is malformed (file and reason named)',
  },
  BYTEOR_E_DATAGUARD_REGISTRY_ROOT: { exit: ExitCode.USAGE, summary: '`--registry-root` is not a readable directory' },
  BYTEOR_E_DATAGUARD_REPORT_INVALID: {
    exit: ExitCode.ARTIFACT_INVALID,
    summary: 'a report file fails the kv/v1 schema when read back',
  },
  BYTEOR_E_DATAGUARD_REPORT_PATH: {
    exit: ExitCode.USAGE,
    summary: 'the `--report` directory does not exist or is not writable',
  },
  BYTEOR_E_DATAGUARD_REPORT_WRITE: { exit: ExitCode.RUNTIME_FAILURE, summary: 'the report cannot be written' },
  BYTEOR_E_DATAGUARD_RULES_UNUSED: { exit: ExitCode.USAGE, summary: '`--rule` with no redacting stage' },
  BYTEOR_E_DATAGUARD_RULE_FIELD: {
    exit: ExitCode.USAGE,
    summary:
      'a rule names an unknown field, a type it does not apply to, a bad VALUE, or a field another rule names (quoted)',
  },
  BYTEOR_E_DATAGUARD_RULE_MALFORMED: { exit: ExitCode.USAGE, summary: 'a rule does not parse (quoted)' },
  BYTEOR_E_DATAGUARD_SCHEMA_INCOMPATIBLE: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'two versions at or above the required one are incompatible',
  },
  BYTEOR_E_DATAGUARD_SCHEMA_MISSING: {
    exit: ExitCode.SPEC_INVALID,
    summary: 'no family, no message type, no version files, or no file for exactly `--required-version`',
  },
  BYTEOR_E_DATAGUARD_SCHEMA_OLDER: {
    exit: ExitCode.SPEC_INVALID,
    summary: "the registry's newest version is older than `--required-version`",
  },
  BYTEOR_E_DATAGUARD_STAGES: {
    exit: ExitCode.SPEC_INVALID,
    summary: '(validation diagnostic) a DataGuard stage composition rule is broken',
  },
  BYTEOR_E_DATAGUARD_TOO_MANY_RULES: { exit: ExitCode.USAGE, summary: 'more than 12 rules' },
});
