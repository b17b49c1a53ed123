import { z } from 'zod';
import { Environment } from '../policy/environment.ts';

/**
 * The approval credential v1 payload (ByteOr "Approval credential v1"). Field names are
 * ByteOr's; times are RFC 3339 strings; unknown fields are ignored on read (additive fields
 * stay compatible) but are still covered by the signature, which is over the payload bytes.
 */

export const APPROVAL_CREDENTIAL_VERSION = 1 as const;

/** the credential's `environment_posture`: the runtime environment (kernel/policy/environment.ts) */
export const EnvironmentPosture = Environment;
export type EnvironmentPosture = Environment;

/** `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (RFC 3339 section 5.6), and a real instant */
const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
export const Rfc3339Time = z
  .string()
  .regex(RFC3339, 'must be an RFC 3339 time such as 2025-01-31T12:00:00Z')
  .refine((s) => Number.isFinite(Date.parse(s)), 'must be a real calendar time');

export const SpecHash = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lower-case hex digits>');

/**
 * A capability is a side-effecting stage key (`http_post:https://a/b`, `exec:/bin/prog|arg`,
 * or an exact product key) or a family wildcard (`http_post:*`, `exec:*`).
 */
export const Capability = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]*(:[\x20-\x7e]+)?$/,
    'must be a stage key such as http_post:https://host/path or a family wildcard such as exec:*',
  );

const Text = z.string().min(1);

export const ApprovalPayloadV1 = z
  .object({
    v: z.literal(APPROVAL_CREDENTIAL_VERSION),
    kid: Text,
    org_id: Text,
    project_id: Text,
    environment_id: Text,
    environment_posture: EnvironmentPosture,
    spec_hash: SpecHash,
    capabilities: z.array(Capability),
    issued_at: Rfc3339Time,
    expires_at: Rfc3339Time,
    issued_by: Text,
    approval_id: Text,
  })
  .refine((p) => Date.parse(p.expires_at) > Date.parse(p.issued_at), {
    message: 'expires_at must be after issued_at',
    path: ['expires_at'],
  });
export type ApprovalPayloadV1 = z.infer<typeof ApprovalPayloadV1>;
