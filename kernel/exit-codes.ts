/**
 * Process exit codes (DESIGN.md section 5). The README and `byteor --help` print this table.
 */
export const ExitCode = {
  OK: 0,
  RUNTIME_FAILURE: 1,
  USAGE: 2,
  SPEC_INVALID: 3,
  POLICY_DENIED: 4,
  HOST_NOT_READY: 5,
  ARTIFACT_INVALID: 6,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_TABLE: ReadonlyArray<readonly [ExitCodeValue, string]> = [
  [0, 'success'],
  [1, 'runtime failure (stage error, adapter failure, lost peer)'],
  [2, 'usage error (unknown verb or flag, bad flag value)'],
  [3, 'spec invalid (validation failed; nothing was run)'],
  [4, 'denied by policy (approval missing, rejected or expired; environment posture)'],
  [5, 'host not ready (doctor reports a failed requirement for the requested profile)'],
  [6, 'artifact invalid (bundle, snapshot or credential unreadable or failing its schema)'],
];
