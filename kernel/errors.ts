import type { ExitCodeValue } from './exit-codes.ts';

/**
 * Every error the kernel or a plugin reports to an operator is a ByteorError: a stable
 * `BYTEOR_E_*` code, a message that says what to do, and the exit code it maps to.
 * Codes are never renamed. Each code belongs to one owner's error table (defineErrors,
 * kernel/errors/define-errors.ts), which fixes its exit code; errors are built through the table.
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
    return {
      code: this.code,
      message: this.message,
      exit_code: this.exitCode,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isByteorError(e: unknown): e is ByteorError {
  return (
    e instanceof Error &&
    typeof (e as ByteorError).code === 'string' &&
    (e as ByteorError).code.startsWith('BYTEOR_E_') &&
    typeof (e as ByteorError).exitCode === 'number'
  );
}
