import { z } from 'zod';

/**
 * Replay audit JSON v1 (ByteOr `byteor-replay`), written by every `replay`, dry run or execute.
 * Field names and nesting are ByteOr's; `spec_sha256` is the bare hex digest of the canonical
 * spec (the approval's `spec_hash` is the same digest with a `sha256:` prefix);
 * `sample_sha256` holds the hex sha256 of each of the first SAMPLE_LIMIT selected records.
 * byteor-ts additions follow ByteOr's fields and are optional.
 */
export const REPLAY_AUDIT_VERSION = 1 as const;
export const REPLAY_AUDIT_FILE = 'replay_audit.json';

export const ReplayAuditInput = z.object({
  journal_lane: z.string(),
  journal_path: z.string(),
  last_n: z.number().int().nonnegative(),
  scanned_records: z.number().int().nonnegative(),
  selected_bytes: z.number().int().nonnegative(),
  sample_sha256: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
});

export const ReplayAuditPolicy = z.object({
  env: z.enum(['dev', 'staging', 'prod']),
  approval_provided: z.boolean(),
  mode: z.enum(['dry_run', 'execute']),
});

export const ReplayAuditAction = z.object({
  action: z.string(),
  role: z.string(),
  input_lane: z.string(),
  output_lane: z.string(),
  stage: z.string(),
  target: z.string(),
  decision: z.string(),
});
export type ReplayAuditAction = z.infer<typeof ReplayAuditAction>;

export const ReplayAuditV1 = z.object({
  audit_v: z.literal(REPLAY_AUDIT_VERSION),
  created_unix_ms: z.number().int(),
  bundle_dir: z.string(),
  spec_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: ReplayAuditInput,
  policy: ReplayAuditPolicy,
  actions: z.array(ReplayAuditAction),
  // ---- byteor-ts additions ----
  /** the replay's outcome: records through the pipeline, dropped, and whether it completed */
  result: z
    .object({
      ok: z.boolean(),
      records_in: z.number().int().nonnegative(),
      records_out: z.number().int().nonnegative(),
      dropped: z.number().int().nonnegative(),
      error: z.object({ code: z.string(), message: z.string() }).nullable(),
    })
    .optional(),
  /**
   * the run's product settings the replay used (plugins' run flags) and where each came from: recorded, command_line,
   * or the plugin that adjusted it
   */
  settings: z
    .array(z.object({ flag: z.string(), value: z.union([z.string(), z.array(z.string())]), source: z.string() }))
    .optional(),
  /** the verified approval, when one was required and given */
  approval: z
    .object({ approval_id: z.string(), kid: z.string(), issued_by: z.string(), expires_at: z.string() })
    .nullable()
    .optional(),
});
export type ReplayAuditV1 = z.infer<typeof ReplayAuditV1>;
