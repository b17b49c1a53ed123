/**
 * Region header validation on the JS side: maps the core's `regionCheck` results to
 * ByteorErrors. A region stuck at `initialized = 1` is waited for a bounded time and then
 * refused (its creator died half-way); it is never guessed at.
 */
import { ByteorError } from '../errors.ts';
import type { CoreExports } from './wasm.ts';
import { KernelErrors, type KernelErrorCode } from '../errors/kernel-errors.ts';

export const CHECK_OK = 0;
const MESSAGES: Record<number, [KernelErrorCode, string]> = {
  1: [
    'BYTEOR_E_REGION_BAD_MAGIC',
    'does not start with the ByteOr region magic; it is not a region this runtime created',
  ],
  2: [
    'BYTEOR_E_REGION_BAD_VERSION',
    'has a layout version this runtime does not know; run the same byteor version on both sides',
  ],
  3: ['BYTEOR_E_REGION_BAD_KIND', 'is a region of another kind than the one asked for'],
  4: ['BYTEOR_E_REGION_UNINITIALIZED', 'was never initialised (initialized = 0)'],
  5: [
    'BYTEOR_E_REGION_NOT_INITIALIZED',
    'is stuck at initialized = 1 (its creator did not finish); recreate the region (restart the runtime)',
  ],
  6: ['BYTEOR_E_REGION_BAD_GEOMETRY', 'has an invalid header'],
};

export function regionError(result: number, what: string, base: number): ByteorError {
  const [code, text] = MESSAGES[result] ?? ['BYTEOR_E_REGION_BAD_GEOMETRY', `failed validation (${result})`];
  return KernelErrors.error(code, `region "${what}" at offset ${base} ${text}`, { region: what, offset: base });
}

/**
 * Validate a region header, waiting up to `waitMs` while it shows "initialising". Throws the
 * ByteorError for the failed check.
 */
export function validateRegion(core: CoreExports, base: number, kind: number, what: string, waitMs = 0): void {
  const until = performance.now() + waitMs;
  let r = core.regionCheck(base, kind);
  while (r === 5 && performance.now() < until) r = core.regionCheck(base, kind);
  if (r !== CHECK_OK) throw regionError(r, what, base);
}
