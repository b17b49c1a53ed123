import { z } from 'zod';
import type { PolicyClass, ReplaySupport } from '../plugin-contract.ts';

/**
 * Compatibility report v1: for each stage key of a spec, how the loaded plugins satisfy it.
 * Field names follow ByteOr's `byteor_runtime::compatibility` (serde camelCase):
 * `StageCompatibilityRequirement { key, source, supported, policyClass?, replaySupport, ... }`.
 * Where ByteOr's names are not published (the approval capability field, the envelope) the
 * choices are documented in docs/plugins.md.
 */
export const COMPATIBILITY_REPORT_VERSION = 1 as const;

export const StageKeySourceId = z.enum(['built_in', 'catalog_stable', 'catalog_prefix', 'unknown']);
export type StageKeySource = z.infer<typeof StageKeySourceId>;
export const PolicyClassId = z.enum(['pure', 'side_effect']);
export const ReplaySupportId = z.enum(['supported', 'dry_run_only', 'unsupported']);

export const StageCompatibilityRequirement = z.object({
  key: z.string().min(1),
  source: StageKeySourceId,
  supported: z.boolean(),
  /** why the key is not supported (absent when it is) */
  reason: z.string().optional(),
  /** providing plugin (absent when the key is unknown) */
  plugin: z.string().optional(),
  policyClass: PolicyClassId.optional(),
  replaySupport: ReplaySupportId,
  /** capabilities an approval credential must carry to run the stage with side effects */
  approvalCapabilities: z.array(z.string()),
  /** where the key is used: `single_ring.stages.<i>` or `lane_graph.roles.<name>` */
  usedBy: z.array(z.string()).min(1),
});
export type StageCompatibilityRequirement = z.infer<typeof StageCompatibilityRequirement>;

export const CompatibilityReport = z.object({
  reportVersion: z.literal(COMPATIBILITY_REPORT_VERSION),
  runtime: z.object({ name: z.string(), version: z.string() }),
  specName: z.string(),
  /** `sha256:<hex>` of the canonical encoding */
  specHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  model: z.enum(['single_ring', 'lane_graph']),
  /** true when every stage key is supported */
  compatible: z.boolean(),
  plugins: z.array(z.object({ name: z.string(), version: z.string() })),
  stages: z.array(StageCompatibilityRequirement),
});
export type CompatibilityReport = z.infer<typeof CompatibilityReport>;

// The zod enums and the plugin API's string unions must stay the same sets.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _policy: Same<z.infer<typeof PolicyClassId>, PolicyClass> = true;
const _replay: Same<z.infer<typeof ReplaySupportId>, ReplaySupport> = true;
void _policy;
void _replay;
