/**
 * The errors a run reports when one of the adapters around its pipeline fails: the ingress
 * source (BYTEOR_E_INGRESS_FAILED) or the egress adapter (BYTEOR_E_EGRESS_FAILED). An adapter
 * that already threw a ByteorError keeps its own code.
 */
import { ByteorError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';

export function ingressFailure(e: Error): ByteorError {
  return e instanceof ByteorError ? e : new ByteorError('BYTEOR_E_INGRESS_FAILED', `the ingress source failed: ${e.message}`, ExitCode.RUNTIME_FAILURE);
}

export function egressFailure(e: unknown): ByteorError {
  return e instanceof ByteorError ? e
    : new ByteorError('BYTEOR_E_EGRESS_FAILED', `the egress adapter failed: ${e instanceof Error ? e.message : String(e)}`, ExitCode.RUNTIME_FAILURE);
}
