import { ByteorError } from '../../kernel/errors.ts';
import type { IngressSink } from '../../kernel/plugin-contract.ts';
import { errorText, type HealthTracker } from './health.ts';
import { EdgeplaneErrors } from './errors.ts';

/** A transport error an operator can act on (exit 1): connect timeouts, exhausted retries, refused writes. */
export function transportError(kind: string, message: string, cause?: unknown): ByteorError {
  const err = EdgeplaneErrors.error('BYTEOR_E_EDGEPLANE_TRANSPORT', `${kind}: ${message}`, { kind });
  if (cause !== undefined) (err as Error & { cause?: unknown }).cause = cause;
  return err;
}

/**
 * An ingress source failed for good: record it in health (`failed`) and stop the run through
 * `sink.fail` (exit 1), or end the input when the sink cannot carry an error.
 */
export function failSource(sink: IngressSink, health: HealthTracker, kind: string, e: unknown): void {
  const err = e instanceof ByteorError ? e : transportError(kind, errorText(e), e);
  health.fail(err.message);
  health.set('failed');
  if (sink.fail) sink.fail(err);
  else sink.end();
}
