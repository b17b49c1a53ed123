import { z } from 'zod';
import { Diagnostic } from '../spec/model.ts';

/**
 * The result of validating a spec: what `validate --json` prints and what an incident bundle
 * stores as `spec_validation.json`. `spec_hash` and `model` are null when the text could not
 * be decoded that far. Every error and warning has a stable code, a message, and the spec key
 * and 1-based line it is about when there is one (docs/spec-kv.md).
 */
export const SpecValidationReport = z.object({
  ok: z.boolean(),
  spec_hash: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/)
    .nullable(),
  model: z.enum(['single_ring', 'lane_graph']).nullable(),
  errors: z.array(Diagnostic),
  warnings: z.array(Diagnostic),
});
export type SpecValidationReport = z.infer<typeof SpecValidationReport>;

export const SPEC_VALIDATION_FILE = 'spec_validation.json';
