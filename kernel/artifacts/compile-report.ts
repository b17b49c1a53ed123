import { z } from 'zod';
import { Diagnostic } from '../spec/model.ts';

/**
 * CompileReportV1: what the spec compiler did to a spec.kv (ByteOr's CompileReportV1 carries
 * the spec and a structured list of compiler actions). `source` says whether the text was an
 * explicit spec or an authored plan; `diagnostics` lists every lowering action (`BYTEOR_L_*`:
 * chain lowered, router / merge / bridge inserted, shared fanout lane), in the order taken.
 * An explicit spec has no diagnostics. Printed by `describe`; see docs/spec-kv.md.
 */
export const CompileReportV1 = z.object({
  version: z.literal(1),
  source: z.enum(['spec', 'plan']),
  spec_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  diagnostics: z.array(Diagnostic),
});
export type CompileReportV1 = z.infer<typeof CompileReportV1>;
