import { z } from 'zod';
import { SpecValidationReport } from './spec-validation.ts';

/**
 * `spec_validation.json` in an incident bundle: the validation report (`validate --json`) plus
 * ByteOr's documented fields, `description` (the `describe` text) when the spec is valid and
 * `error` (every error, one per line) when it is not.
 */
export const BundleSpecValidation = SpecValidationReport.extend({
  description: z.string().optional(),
  error: z.string().optional(),
}).refine(
  (r) =>
    r.ok ? r.description !== undefined && r.error === undefined : r.error !== undefined && r.description === undefined,
  { message: 'a valid spec has "description", an invalid one "error"' },
);
export type BundleSpecValidation = z.infer<typeof BundleSpecValidation>;
