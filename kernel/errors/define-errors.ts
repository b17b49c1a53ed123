/**
 * Error tables: each owner (the kernel, each plugin, the benches) declares every `BYTEOR_E_*` code
 * it raises once, with the exit code it maps to and a one-line summary, and builds its errors from
 * that table, so one code always exits the same way and docs/errors.md is generated from the
 * tables (scripts/error-index.mjs). A leaf module: it imports only the ByteorError class and the
 * exit codes, so plugin definitions can declare their table without loading anything heavy.
 */
import { ByteorError } from '../errors.ts';
import type { ExitCodeValue } from '../exit-codes.ts';

export type ErrorCode = `BYTEOR_E_${string}`;

/** One code of a table. */
export interface ErrorEntry {
  /** the process exit code an error with this code maps to (ExitCode.*) */
  readonly exit: ExitCodeValue;
  /** one line: what it means and what to do */
  readonly summary: string;
}

export interface ErrorTable<C extends string = string> {
  /** who raises these codes: `kernel`, a plugin's name, `bench` */
  readonly owner: string;
  readonly entries: Readonly<Record<C, ErrorEntry>>;
  /** a ByteorError with `code` and the exit code the table gives it */
  error(code: C, message: string, details?: Record<string, unknown>): ByteorError;
  /**
   * A ByteorError that carries a code raised elsewhere (a stage worker's, a runtime's control
   * answer) and exits as `as` does; `as` is the code of this table that describes the failure.
   */
  relay(code: string, as: C, message: string, details?: Record<string, unknown>): ByteorError;
  has(code: string): code is C;
}

/** The codes of a table, as a union type: `ErrorCodeOf<typeof KernelErrors>`. */
export type ErrorCodeOf<T> = T extends ErrorTable<infer C> ? C : never;

const CODE = /^BYTEOR_E_[A-Z0-9_]+$/;

export function defineErrors<const E extends Record<ErrorCode, ErrorEntry>>(
  owner: string,
  entries: E,
): ErrorTable<keyof E & string> {
  type C = keyof E & string;
  for (const [code, entry] of Object.entries(entries) as [string, ErrorEntry][]) {
    if (!CODE.test(code)) throw new Error(`error table "${owner}": invalid error code ${code}`);
    if (!Number.isInteger(entry.exit) || entry.exit < 1 || entry.exit > 6)
      throw new Error(`error table "${owner}": ${code} has no valid exit code`);
    if (typeof entry.summary !== 'string' || entry.summary.length === 0)
      throw new Error(`error table "${owner}": ${code} has no summary`);
  }
  const frozen = Object.freeze({ ...entries }) as Readonly<Record<C, ErrorEntry>>;
  const exitOf = (code: C): ExitCodeValue => {
    const entry = (frozen as Record<string, ErrorEntry | undefined>)[code];
    if (!entry || !Object.hasOwn(frozen, code)) throw new Error(`error table "${owner}" has no code ${code}`);
    return entry.exit;
  };
  return Object.freeze({
    owner,
    entries: frozen,
    error: (code: C, message: string, details?: Record<string, unknown>) =>
      new ByteorError(code, message, exitOf(code), details),
    relay: (code: string, as: C, message: string, details?: Record<string, unknown>) =>
      new ByteorError(code, message, exitOf(as), details),
    has: (code: string): code is C => Object.hasOwn(frozen, code),
  });
}

/** An object made by defineErrors (checked by shape: a plugin may come with its own copy of byteor). */
export function isErrorTable(x: unknown): x is ErrorTable {
  const t = x as ErrorTable | null;
  return (
    typeof t === 'object' &&
    t !== null &&
    typeof t.owner === 'string' &&
    typeof t.entries === 'object' &&
    t.entries !== null &&
    typeof t.error === 'function'
  );
}

/** The same error (code and exit code) with another message, e.g. one that names the caller. */
export function rephrase(
  e: ByteorError,
  message: string,
  details: Record<string, unknown> | undefined = e.details,
): ByteorError {
  return new ByteorError(e.code, message, e.exitCode, details);
}
