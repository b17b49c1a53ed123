import { z } from 'zod';

/**
 * The `doctor` report (doctor_v 1): one item per host-readiness check, each in ByteOr's
 * Requested / Applied / Degraded / Failed vocabulary (docs/operator-flow.md):
 * - `requested`: what the profile asks of this item (null: the profile does not ask),
 * - `status`: `applied` (the host honours it, observed), `degraded` (requested, only partly
 *   honoured; `reasons` say why), `failed` (a host-readiness failure), `unchecked` (could not
 *   be checked here; `reasons` say why — never reported as applied), `not_requested` (observed
 *   for information only),
 * - `requirement`: `required` items that are `failed` or `unchecked` make doctor exit 5.
 */
export const DOCTOR_REPORT_VERSION = 1 as const;

export const TuningProfile = z.enum(['default', 'low-latency', 'isolated-core']);
export type TuningProfile = z.infer<typeof TuningProfile>;

export const DoctorItemStatus = z.enum(['applied', 'degraded', 'failed', 'unchecked', 'not_requested']);
export type DoctorItemStatus = z.infer<typeof DoctorItemStatus>;

export const DoctorRequirement = z.enum(['required', 'recommended', 'none']);
export type DoctorRequirement = z.infer<typeof DoctorRequirement>;

const Observed = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.number())]));

export const DoctorItem = z.object({
  id: z.string(),
  title: z.string(),
  requirement: DoctorRequirement,
  requested: z.string().nullable(),
  status: DoctorItemStatus,
  observed: Observed,
  reasons: z.array(z.string()),
});
export type DoctorItem = z.infer<typeof DoctorItem>;

export const DoctorReport = z.object({
  doctor_v: z.literal(DOCTOR_REPORT_VERSION),
  profile: TuningProfile,
  /** false when a required item failed or could not be checked (exit 5) */
  ok: z.boolean(),
  checked_unix_ms: z.number().int(),
  host: z.object({
    platform: z.string(),
    arch: z.string(),
    release: z.string(),
    runtime: z.string(),
    runtime_version: z.string(),
  }),
  /** the thread demand the CPU checks used */
  demand: z.object({
    source: z.enum(['spec', 'minimum']),
    spec_path: z.string().nullable(),
    spec_hash: z.string().nullable(),
    stage_threads: z.number().int(),
    total_threads: z.number().int(),
    ring_bytes: z.number().int().nullable(),
    wait: z.string().nullable(),
  }),
  items: z.array(DoctorItem),
});
export type DoctorReport = z.infer<typeof DoctorReport>;
