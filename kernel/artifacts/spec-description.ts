import { z } from 'zod';
import { Diagnostic, EndpointSpec, LaneSpec, RoleSpec } from '../spec/model.ts';

/**
 * What `describe --json` prints: the intended topology of a valid spec. SingleRing specs fill
 * `stages` (lanes, endpoints and roles are empty); LaneGraph specs fill `lanes`, `endpoints` and
 * `roles` (stages is empty). `constraints` holds the model's scalar settings in canonical order.
 * Stage keys carry the plugin that provides them. docs/spec-kv.md ("describe").
 */
const StageFacts = {
  /** the plugin providing the stage key */
  plugin: z.string(),
  policy_class: z.enum(['pure', 'side_effect']),
  replay: z.enum(['supported', 'dry_run_only', 'unsupported']),
};

export const StageDescription = z.object({
  index: z.number().int(),
  key: z.string(),
  depends_on: z.array(z.number().int()),
  /** true for the final stage: it releases each slot to egress */
  releases: z.boolean(),
  ...StageFacts,
});
export type StageDescription = z.infer<typeof StageDescription>;

export const RoleDescription = RoleSpec.extend({
  inserted: z.boolean(),
  plugin: StageFacts.plugin.nullable(),
  policy_class: StageFacts.policy_class.nullable(),
  replay: StageFacts.replay.nullable(),
});
export type RoleDescription = z.infer<typeof RoleDescription>;

export const SpecDescription = z.object({
  name: z.string(),
  model: z.enum(['single_ring', 'lane_graph']),
  spec_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  spec_path: z.string().nullable(),
  /** `plan` when the text was an authored plan that lowering turned into this spec */
  source: z.enum(['spec', 'plan']),
  plugins: z.array(z.string()),
  constraints: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])),
  stages: z.array(StageDescription),
  lanes: z.array(LaneSpec),
  endpoints: z.array(EndpointSpec),
  roles: z.array(RoleDescription),
  compile_diagnostics: z.array(Diagnostic),
  warnings: z.array(Diagnostic),
});
export type SpecDescription = z.infer<typeof SpecDescription>;
