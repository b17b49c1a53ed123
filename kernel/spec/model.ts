import { z } from 'zod';

/**
 * The spec model (PipelineSpecV1) as zod schemas: the single source of truth for the shape a
 * decoded `spec.kv` takes. Structural shape only: ByteOr's v1 *rules* (shards >= 1, mpmc
 * rejected, topological order, ...) are checked by `validate.ts` so that their exact messages
 * and order are kept; the schemas here deliberately accept values those rules reject.
 * Key spellings in spec.kv are documented in docs/spec-kv.md.
 */

export const WaitStrategy = z.enum(['spin', 'backoff', 'block']);
export type WaitStrategy = z.infer<typeof WaitStrategy>;

export const StageSpec = z.object({
  /** stage key: `identity`, `http_post:<url>`, `exec:<prog>|<arg>`, `dataguard_check`, ... */
  key: z.string().min(1),
  /** indices of earlier stages this stage waits for; empty = waits on the producer cursor */
  depends_on: z.array(z.number().int()),
});
export type StageSpec = z.infer<typeof StageSpec>;

export const SingleRingSpec = z.object({
  shards: z.number().int(),
  ordering: z.enum(['strict', 'per_key']),
  producer: z.enum(['single', 'mpmc']),
  scheduling: z.enum(['dedicated', 'work_queue']),
  /** how a record's shard key is taken; see docs/spec-kv.md (`record` = all its bytes) */
  shard_key: z.string().min(1),
  /** slots per ring (power of two) */
  capacity: z.number().int(),
  /** payload bytes per slot (records larger than this are refused, never truncated) */
  slot_bytes: z.number().int(),
  wait: WaitStrategy,
  stage_failure_policy: z.literal('stop_pipeline'),
  stages: z.array(StageSpec),
});
export type SingleRingSpec = z.infer<typeof SingleRingSpec>;

export const LaneKind = z.enum(['events', 'fanout_broadcast', 'journal', 'sequenced_slots']);
export type LaneKind = z.infer<typeof LaneKind>;

export const LaneSpec = z.object({
  name: z.string().min(1),
  kind: LaneKind,
  capacity: z.number().int(),
  /** readers of a fanout_broadcast lane */
  consumers: z.number().int().optional(),
});
export type LaneSpec = z.infer<typeof LaneSpec>;

export const EndpointSpec = z.object({
  name: z.string().min(1),
  kind: z.enum(['ingress', 'egress']),
  lane: z.string().min(1),
});
export type EndpointSpec = z.infer<typeof EndpointSpec>;

export const RoleSpec = z.object({
  name: z.string().min(1),
  kind: z.enum(['stage', 'bridge', 'router', 'merge']),
  /** stage key (role kind `stage` only) */
  key: z.string().optional(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  /** router: broadcast | work_queue */
  mode: z.enum(['broadcast', 'work_queue']).optional(),
  /** merge: round_robin (see docs) */
  policy: z.enum(['round_robin']).optional(),
  /** true when lowering inserted this role */
  inserted: z.boolean().optional(),
});
export type RoleSpec = z.infer<typeof RoleSpec>;

export const LaneGraphSpec = z.object({
  on_full: z.enum(['block', 'drop']),
  wait: WaitStrategy,
  slot_bytes: z.number().int(),
  /** feature flags that unlock gated lane kinds (e.g. `journal`, `sequenced_slots`) */
  features: z.array(z.string()),
  lanes: z.array(LaneSpec),
  endpoints: z.array(EndpointSpec),
  roles: z.array(RoleSpec),
});
export type LaneGraphSpec = z.infer<typeof LaneGraphSpec>;

const Header = {
  version: z.literal(1),
  name: z.string().min(1),
  /** plugins the spec needs (`plugins.<i>=NAME|PATH`), loaded before validation; absent when none */
  plugins: z.array(z.string().min(1)).optional(),
};

export const PipelineSpecV1 = z.discriminatedUnion('model', [
  z.object({ ...Header, model: z.literal('single_ring'), single_ring: SingleRingSpec }),
  z.object({ ...Header, model: z.literal('lane_graph'), lane_graph: LaneGraphSpec }),
]);
export type PipelineSpecV1 = z.infer<typeof PipelineSpecV1>;
export type SingleRingPipeline = Extract<PipelineSpecV1, { model: 'single_ring' }>;
export type LaneGraphPipeline = Extract<PipelineSpecV1, { model: 'lane_graph' }>;

/** One diagnostic of validation or lowering; `line` is 1-based in the spec.kv text. */
export const Diagnostic = z.object({
  code: z.string(),
  message: z.string(),
  key: z.string().optional(),
  line: z.number().int().optional(),
});
export type Diagnostic = z.infer<typeof Diagnostic>;
