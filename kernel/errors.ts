import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/**
 * Every error the kernel or a plugin reports to an operator is a ByteorError: a stable
 * `BYTEOR_E_*` code, a message that says what to do, and the exit code it maps to.
 * Codes are never renamed; new ones are added to docs/errors.md.
 */
export class ByteorError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, exitCode: ExitCodeValue, details?: Record<string, unknown>) {
    super(message);
    if (!/^BYTEOR_E_[A-Z0-9_]+$/.test(code)) throw new Error(`invalid error code ${code}`);
    this.name = 'ByteorError';
    this.code = code;
    this.exitCode = exitCode;
    this.details = details;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, exit_code: this.exitCode, ...(this.details ? { details: this.details } : {}) };
  }
}

export const usageError = (code: string, message: string, details?: Record<string, unknown>) =>
  new ByteorError(code, message, ExitCode.USAGE, details);
export const specError = (code: string, message: string, details?: Record<string, unknown>) =>
  new ByteorError(code, message, ExitCode.SPEC_INVALID, details);
export const runtimeError = (code: string, message: string, details?: Record<string, unknown>) =>
  new ByteorError(code, message, ExitCode.RUNTIME_FAILURE, details);
export const policyError = (code: string, message: string, details?: Record<string, unknown>) =>
  new ByteorError(code, message, ExitCode.POLICY_DENIED, details);
export const hostError = (code: string, message: string, details?: Record<string, unknown>) =>
  new ByteorError(code, message, ExitCode.HOST_NOT_READY, details);
export const artifactError = (code: string, message: string, details?: Record<string, unknown>) =>
  new ByteorError(code, message, ExitCode.ARTIFACT_INVALID, details);

export function isByteorError(e: unknown): e is ByteorError {
  return e instanceof Error && typeof (e as ByteorError).code === 'string' && (e as ByteorError).code.startsWith('BYTEOR_E_')
    && typeof (e as ByteorError).exitCode === 'number';
}
