/**
 * The errors a run reports when one of the adapters around its pipeline fails: the ingress
 * source (BYTEOR_E_INGRESS_FAILED) or the egress adapter (BYTEOR_E_EGRESS_FAILED). An adapter
 * that already threw a ByteorError keeps its own code.
 */
import { ByteorError } from '../errors.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export function ingressFailure(e: Error): ByteorError {
  return e instanceof ByteorError
    ? e
    : KernelErrors.error('BYTEOR_E_INGRESS_FAILED', `the ingress source failed: ${e.message}`);
}

export function egressFailure(e: unknown): ByteorError {
  return e instanceof ByteorError
    ? e
    : KernelErrors.error(
        'BYTEOR_E_EGRESS_FAILED',
        `the egress adapter failed: ${e instanceof Error ? e.message : String(e)}`,
      );
}
