import { z } from 'zod';
import { LaneKind, SingleRingSpec, WaitStrategy } from './model.ts';

/**
 * Authored plans: the shorthand forms a spec.kv may be written in instead of the explicit
 * spec. `lower.ts` turns a plan into an explicit PipelineSpecV1 and reports every role it
 * inserts. Key spellings are in docs/spec-kv.md ("Authored plans").
 */

/** SingleRing chain shorthand: `single_ring.chain.<i>=<stage key>`; stage i depends on stage i-1. */
export const SingleRingChainPlan = SingleRingSpec.omit({ stages: true }).extend({
  chain: z.array(z.string().min(1)),
});
export type SingleRingChainPlan = z.infer<typeof SingleRingChainPlan>;

export const PlanStage = z.object({ name: z.string().min(1), key: z.string().min(1) });
export type PlanStage = z.infer<typeof PlanStage>;

/** One edge of a LaneGraph plan with its lane intent (the kind of lane it wants). */
export const PlanConnection = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  lane: LaneKind,
  /** slots of the lane made for this connection; absent = the plan's `capacity` */
  capacity: z.number().int().optional(),
});
export type PlanConnection = z.infer<typeof PlanConnection>;

/** LaneGraph plan: boundaries, named stages and connections with lane intents. */
export const LaneGraphPlan = z.object({
  on_full: z.enum(['block', 'drop']),
  wait: WaitStrategy,
  slot_bytes: z.number().int(),
  features: z.array(z.string()),
  /** default capacity of the lanes lowering creates */
  capacity: z.number().int(),
  ingress: z.array(z.string().min(1)),
  egress: z.array(z.string().min(1)),
  stages: z.array(PlanStage),
  connections: z.array(PlanConnection),
});
export type LaneGraphPlan = z.infer<typeof LaneGraphPlan>;

const Header = {
  version: z.literal(1),
  name: z.string().min(1),
  plugins: z.array(z.string().min(1)).optional(),
};

export const PipelinePlanV1 = z.discriminatedUnion('model', [
  z.object({ ...Header, model: z.literal('single_ring'), single_ring: SingleRingChainPlan }),
  z.object({ ...Header, model: z.literal('lane_graph'), lane_graph: LaneGraphPlan }),
]);
export type PipelinePlanV1 = z.infer<typeof PipelinePlanV1>;
