import { z } from 'zod';
import { TuningProfile } from './doctor-report.ts';

/**
 * What `byteor inspect --json` prints (inspect_v 1): an incident bundle read in the runbook's
 * order (docs/operator-flow.md, "Read artifacts in the right order"), each step with what it
 * found and, when it found something wrong, the runbook's interpretation of it. The product
 * shortcut (`focus`) comes first, as the runbook's table puts it; `next_step` closes the walk.
 */
export const INSPECT_REPORT_VERSION = 1 as const;

export const InspectProduct = z.enum(['byteor-edgeplane', 'byteor-actiongraph', 'byteor-dataguard']);
export type InspectProduct = z.infer<typeof InspectProduct>;

export const InspectFinding = z.object({
  /** `anomaly`: something to act on; `note`: worth knowing, not wrong by itself */
  severity: z.enum(['anomaly', 'note']),
  /** a stable name of what was found (`lagging_stage`, `approval_unverified`, ...) */
  what: z.string(),
  message: z.string(),
});
export type InspectFinding = z.infer<typeof InspectFinding>;

/** ok: read, nothing wrong; anomaly: read, something wrong; missing: not in the bundle; unreadable: fails its schema */
export const InspectStatus = z.enum(['ok', 'anomaly', 'missing', 'unreadable']);
export type InspectStatus = z.infer<typeof InspectStatus>;

export const InspectStepName = z.enum([
  'spec_validation',
  'policy_audit',
  'environment',
  'runtime_state',
  'product_artifacts',
]);
export type InspectStepName = z.infer<typeof InspectStepName>;

export const InspectStep = z.object({
  /** 1..5, the runbook's order */
  step: z.number().int().min(1).max(5),
  name: InspectStepName,
  /** the bundle files this step read (or looked for) */
  files: z.array(z.string()),
  status: InspectStatus,
  summary: z.string(),
  /** the runbook's reading of an anomaly (null when there is none) */
  interpretation: z.string().nullable(),
  findings: z.array(InspectFinding),
});
export type InspectStep = z.infer<typeof InspectStep>;

export const InspectAdapter = z.object({
  role: z.string(),
  kind: z.string(),
  endpoint: z.string(),
  transport: z.string(),
  connection_state: z.string(),
  message_count: z.number(),
  lag: z.object({ value: z.number(), unit: z.string() }).nullable(),
  recent_failures: z.array(z.object({ unix_ms: z.number(), message: z.string() })),
});

export const InspectApproval = z.object({
  /**
   * the record it comes from: policy_audit.json (what a run would be decided) or run_policy_audit.json (what the run's
   * gate decided)
   */
  record: z.string(),
  environment: z.string().nullable(),
  decision: z.string().nullable(),
  required: z.boolean(),
  provided: z.boolean(),
  verified: z.boolean(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

const FocusBase = {
  status: InspectStatus,
  /** the runbook's "first artifact focus" for this product */
  focus: z.string(),
  findings: z.array(InspectFinding),
};

export const InspectFocus = z.discriminatedUnion('product', [
  z.object({ product: z.literal('byteor-edgeplane'), ...FocusBase, adapters: z.array(InspectAdapter) }),
  z.object({
    product: z.literal('byteor-actiongraph'),
    ...FocusBase,
    /** the http_post:* and exec:* stages and their policy decisions */
    actions: z.array(z.object({ stage: z.string(), key: z.string(), decision: z.string() })),
    approvals: z.array(InspectApproval),
  }),
  z.object({
    product: z.literal('byteor-dataguard'),
    ...FocusBase,
    /** the kv/v1 report's sections, as read (null when there is no report) */
    schema: z.record(z.string(), z.unknown()).nullable(),
    policy: z.record(z.string(), z.unknown()).nullable(),
    counts: z.record(z.string(), z.unknown()).nullable(),
  }),
]);
export type InspectFocus = z.infer<typeof InspectFocus>;

export const InspectReport = z.object({
  inspect_v: z.literal(INSPECT_REPORT_VERSION),
  /** the bundle as given (absolute) */
  bundle: z.string(),
  /** the manifest, verified before anything else was read */
  manifest: z.object({
    verified: z.literal(true),
    signed: z.boolean(),
    files: z.number().int(),
    created_unix_ms: z.number().int(),
    spec_hash: z.string().nullable(),
    spec_ok: z.boolean(),
    snapshot_source: z.enum(['live', 'state_file']).nullable(),
    journal_records: z.number().int(),
  }),
  model: z.enum(['single_ring', 'lane_graph']).nullable(),
  /** the tuning profile environment.json was compared with */
  profile: TuningProfile,
  products: z.array(InspectProduct),
  focus: z.array(InspectFocus),
  steps: z.array(InspectStep),
  /** the step the walk stopped at (1 when the spec failed validation), null when it read them all */
  stopped_at: z.number().int().nullable(),
  next_step: z.object({
    kind: z.enum(['fix_spec', 'fix_posture', 'recapture', 'replay_dry_run', 'replay_execute']),
    message: z.string(),
    command: z.string().nullable(),
  }),
});
export type InspectReport = z.infer<typeof InspectReport>;
