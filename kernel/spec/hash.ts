import { createHash } from 'node:crypto';
import { encodeSpec } from './encode.ts';
import type { PipelineSpecV1 } from './model.ts';

/**
 * The spec's identity: `sha256:<64 lower-case hex>` of its canonical spec.kv text (ASCII bytes).
 * Approval credentials, replay audits and incident bundles carry this value.
 */
export function canonicalTextHash(canonical: string): string {
  return `sha256:${createHash('sha256').update(canonical, 'latin1').digest('hex')}`;
}

/** Hash of an explicit spec (encodes it canonically first). */
export function specHash(spec: PipelineSpecV1): string {
  return canonicalTextHash(encodeSpec(spec));
}

export const SPEC_HASH_RE = /^sha256:[0-9a-f]{64}$/;
