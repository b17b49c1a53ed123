import { z } from 'zod';

/**
 * What `byteor diff --json` prints (diff_v 1): the semantic difference between two specs, from
 * `from` (the `--against` spec or the bundle's `spec.kv`: what ran in the incident) to `to`
 * (the `--spec`: what is deployed now). Specs are compared as decoded (and lowered) models, so
 * comments, line order and spellings of the same value are no difference. A change's `path` is
 * the spec.kv key it is about; stages are addressed by index (`depends_on` names indices),
 * LaneGraph lanes, endpoints and roles by name (`lane_graph.lanes[audit].capacity`).
 * `before`/`after` are the values as spec.kv would write them (null for added/removed).
 */
export const SPEC_DIFF_VERSION = 1 as const;

export const SpecDiffSide = z.object({
  /** `spec` (a file), or `bundle` (the bundle's spec.kv) */
  source: z.enum(['spec', 'bundle']),
  /** the spec file, or the bundle as given */
  path: z.string(),
  spec_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  model: z.enum(['single_ring', 'lane_graph']),
  name: z.string(),
});
export type SpecDiffSide = z.infer<typeof SpecDiffSide>;

export const SpecChange = z.object({
  path: z.string(),
  change: z.enum(['added', 'removed', 'changed']),
  before: z.string().nullable(),
  after: z.string().nullable(),
});
export type SpecChange = z.infer<typeof SpecChange>;

export const SpecDiff = z
  .object({
    diff_v: z.literal(SPEC_DIFF_VERSION),
    /** true when the two models are the same (then the hashes are equal too) */
    same: z.boolean(),
    from: SpecDiffSide,
    to: SpecDiffSide,
    changes: z.array(SpecChange),
  })
  .refine((d) => d.same === (d.changes.length === 0), { message: '"same" is true exactly when there are no changes' });
export type SpecDiff = z.infer<typeof SpecDiff>;
