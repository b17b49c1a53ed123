import { verify as ed25519Verify } from 'node:crypto';
import { ByteorError } from '../errors.ts';
import { missingCapabilities } from './capabilities.ts';
import { decodeApprovalCredential } from './credential.ts';
import { ApprovalErrorCode } from './error-codes.ts';
import type { TrustedKeySet } from './key-set.ts';
import { APPROVAL_CREDENTIAL_VERSION, ApprovalPayloadV1, type EnvironmentPosture } from './payload.ts';
import { KernelErrors, type KernelErrorCode } from '../errors/kernel-errors.ts';

export interface ApprovalExpectation {
  /** `sha256:<hex>` of the canonical spec being executed */
  specHash: string;
  /** the runtime's environment posture */
  environment: EnvironmentPosture;
  /** capabilities the run needs (stage keys of side-effecting stages); all must be covered */
  capabilities: readonly string[];
  /** the verification instant (default: now) */
  now?: Date | number;
  /** how far `issued_at` may lie in the future of `now` (clock skew of the minting host); default 5 minutes */
  issuedAtSkewMs?: number;
}

export const DEFAULT_ISSUED_AT_SKEW_MS = 5 * 60_000;

function deny(code: KernelErrorCode, message: string, details: Record<string, unknown>): ByteorError {
  return KernelErrors.error(code, message, details);
}

/**
 * Verify an approval credential v1 against a trusted key set and what is about to run. The
 * checks run in ByteOr's order and the first failure is thrown (exit 4, one code per path):
 * undecodable → signature for `kid` → version → (v1 schema) → spec hash → environment →
 * expiry → capabilities. Returns the verified payload.
 */
export function verifyApprovalCredential(
  text: string,
  keySet: TrustedKeySet,
  expect: ApprovalExpectation,
): ApprovalPayloadV1 {
  const { payloadBytes, payload, signature } = decodeApprovalCredential(text);

  const key = keySet.active.get(payload.kid);
  if (!key) {
    const known = keySet.keys.find((k) => k.kid === payload.kid);
    const why = known ? `key "${payload.kid}" is retired` : `no key "${payload.kid}" in the trusted key set`;
    throw deny(
      ApprovalErrorCode.BAD_SIGNATURE,
      `approval credential is not trusted: ${why}; use a credential signed by an active key, or update the key ` +
        `set (--approval-key-set)`,
      { kid: payload.kid, reason: known ? 'retired_kid' : 'unknown_kid' },
    );
  }
  if (!ed25519Verify(null, payloadBytes, key, signature)) {
    throw deny(
      ApprovalErrorCode.BAD_SIGNATURE,
      `approval credential signature does not verify against key "${payload.kid}"; the credential was altered ` +
        `or signed by another key — mint a new one`,
      { kid: payload.kid, reason: 'bad_signature' },
    );
  }

  if (payload.v !== APPROVAL_CREDENTIAL_VERSION) {
    throw deny(
      ApprovalErrorCode.UNSUPPORTED_VERSION,
      `approval credential version ${JSON.stringify(payload.v)} is not supported (this runtime verifies v` +
        `${APPROVAL_CREDENTIAL_VERSION}); mint a v${APPROVAL_CREDENTIAL_VERSION} credential`,
      { v: payload.v ?? null },
    );
  }
  const parsed = ApprovalPayloadV1.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw deny(
      ApprovalErrorCode.PAYLOAD_INVALID,
      `approval credential payload field ${issue.path.join('.') || '(root)'} ${issue.message}; mint a new ` +
        `credential with "byteor approval sign"`,
      { field: issue.path.join('.') },
    );
  }
  const p = parsed.data;

  if (p.spec_hash !== expect.specHash) {
    throw deny(
      ApprovalErrorCode.SPEC_MISMATCH,
      `approval credential is for spec ${p.spec_hash}, but the spec being run is ${expect.specHash}; get an ` +
        `approval for this spec`,
      { approved: p.spec_hash, actual: expect.specHash },
    );
  }
  if (p.environment_posture !== expect.environment) {
    throw deny(
      ApprovalErrorCode.ENVIRONMENT_MISMATCH,
      `approval credential is for environment "${p.environment_posture}", but this runtime runs as "` +
        `${expect.environment}"; get an approval for "${expect.environment}" or run with --env=` +
        `${p.environment_posture}`,
      { approved: p.environment_posture, actual: expect.environment },
    );
  }
  const now = expect.now === undefined ? Date.now() : +expect.now;
  if (now >= Date.parse(p.expires_at)) {
    throw deny(
      ApprovalErrorCode.EXPIRED,
      `approval credential ${p.approval_id} expired at ${p.expires_at}; get a fresh approval`,
      { expires_at: p.expires_at, now: new Date(now).toISOString(), reason: 'expired' },
    );
  }
  if (Date.parse(p.issued_at) > now + (expect.issuedAtSkewMs ?? DEFAULT_ISSUED_AT_SKEW_MS)) {
    throw deny(
      ApprovalErrorCode.EXPIRED,
      `approval credential ${p.approval_id} is not valid yet (issued_at ${p.issued_at} is in the future); check ` +
        `the clocks of this host and of the signer`,
      { issued_at: p.issued_at, now: new Date(now).toISOString(), reason: 'not_yet_valid' },
    );
  }
  const missing = missingCapabilities(p.capabilities, expect.capabilities);
  if (missing.length > 0) {
    throw deny(
      ApprovalErrorCode.MISSING_CAPABILITY,
      `approval credential does not grant ${missing.join(', ')}; get an approval that lists ` +
        `${missing.length === 1 ? 'it' : 'them'} (or the family wildcard, e.g. http_post:*)`,
      { missing, granted: p.capabilities },
    );
  }
  return p;
}
