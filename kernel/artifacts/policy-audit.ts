import { z } from 'zod';

/**
 * Policy audit record JSON v1 (`policy_audit.json`), ByteOr's field names
 * (`byteor-runtime::policy_audit_record_for_spec()`): `ok, policy_version, mode, enforced,
 * stage_failure_policy, spec_path, lane_path, wait, runtime_crate, spec | error`.
 * byteor-ts adds fields after those (environment, policy, approval, required_capabilities,
 * actions); they are optional so that a record with only ByteOr's fields reads, and unknown
 * fields are kept (additive fields must be ignorable: docs/policy.md).
 */

const SingleRingSummary = z.object({
  model: z.literal('SingleRing'),
  name: z.string(),
  spec_hash: z.string(),
  shards: z.number().int(),
  ordering: z.string(),
  capacity: z.number().int(),
  slot_bytes: z.number().int(),
  wait: z.string(),
  stages: z.array(z.object({ index: z.number().int(), key: z.string(), depends_on: z.array(z.number().int()) })),
});

const LaneGraphSummary = z.object({
  model: z.literal('LaneGraph'),
  name: z.string(),
  spec_hash: z.string(),
  on_full: z.string(),
  wait: z.string(),
  lanes: z.array(z.object({ name: z.string(), kind: z.string(), capacity: z.number().int() })),
  roles: z.array(
    z.object({
      name: z.string(),
      kind: z.string(),
      key: z.string().nullable(),
      inputs: z.array(z.string()),
      outputs: z.array(z.string()),
    }),
  ),
});

/** The parsed spec summary; it begins with `model` (`SingleRing` | `LaneGraph`). */
export const PolicyAuditSpecSummary = z.discriminatedUnion('model', [SingleRingSummary, LaneGraphSummary]);
export type PolicyAuditSpecSummary = z.infer<typeof PolicyAuditSpecSummary>;

export const PolicyAuditAction = z.object({
  stage: z.string(),
  role: z.string(),
  key: z.string(),
  action: z.string(),
  target: z.string(),
  policy_class: z.enum(['pure', 'side_effect']),
  replay: z.enum(['supported', 'dry_run_only', 'unsupported']),
  capabilities: z.array(z.string()),
  decision: z.enum(['Allow', 'DryRunOnly', 'RequireApproval', 'Deny']),
});
export type PolicyAuditAction = z.infer<typeof PolicyAuditAction>;

export const PolicyAuditApproval = z.object({
  /** the environment's policy asks for an approval for this spec's side effects */
  required: z.boolean(),
  /** a credential was found (flag, token or the file next to the spec) */
  provided: z.boolean(),
  /** it verified for this spec hash, environment and capabilities */
  verified: z.boolean(),
  /** where it came from: a path, `token` (given inline) or null */
  source: z.string().nullable(),
  approval_id: z.string().nullable(),
  kid: z.string().nullable(),
  /** why verification failed */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type PolicyAuditApproval = z.infer<typeof PolicyAuditApproval>;

export const PolicyAuditRecordV1 = z
  .looseObject({
    ok: z.boolean(),
    policy_version: z.literal(1),
    /** `execute` (side effects performed when allowed) or `dry_run` (recorded, not performed) */
    mode: z.string(),
    /** true when a policy gate decided this run; false for a record computed from a spec alone */
    enforced: z.boolean(),
    stage_failure_policy: z.literal('stop_pipeline'),
    spec_path: z.string(),
    lane_path: z.string().nullable(),
    wait: z.string().nullable(),
    runtime_crate: z.object({ name: z.string(), version: z.string() }),
    /** present when the spec parsed */
    spec: PolicyAuditSpecSummary.optional(),
    /** present when it did not */
    error: z.string().optional(),
    // ---- byteor-ts additions (optional for readers of ByteOr's own records) ----
    environment: z.enum(['dev', 'staging', 'prod']).optional(),
    policy: z
      .object({
        side_effects: z.enum(['deny_all', 'allow_all', 'require_approval']),
        replay: z.enum(['disabled', 'dry_run_only', 'allowed']),
      })
      .optional(),
    /** the decision for the whole run: the most restrictive of its actions */
    decision: z.enum(['Allow', 'DryRunOnly', 'RequireApproval', 'Deny']).optional(),
    approval: PolicyAuditApproval.optional(),
    required_capabilities: z.array(z.string()).optional(),
    actions: z.array(PolicyAuditAction).optional(),
  })
  .refine((r) => (r.spec !== undefined) !== (r.error !== undefined), {
    message: 'a policy audit record has exactly one of "spec" (the spec parsed) and "error" (it did not)',
  })
  .refine((r) => r.ok === (r.spec !== undefined), { message: '"ok" is true exactly when "spec" is present' });
export type PolicyAuditRecordV1 = z.infer<typeof PolicyAuditRecordV1>;

export const POLICY_AUDIT_FILE = 'policy_audit.json';
