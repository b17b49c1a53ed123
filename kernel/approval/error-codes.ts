/**
 * The stable error codes of approval handling (documented in docs/approvals.md). The seven
 * rejection paths of credential verification come in ByteOr's order; all of them exit 4.
 */
export const ApprovalErrorCode = {
  /** 1. the credential is not `<base64url>.<base64url>`, or its payload is not a JSON object with a `kid` */
  UNDECODABLE: 'BYTEOR_E_APPROVAL_UNDECODABLE',
  /** 2. no trusted active key for `kid`, or the Ed25519 signature does not verify */
  BAD_SIGNATURE: 'BYTEOR_E_APPROVAL_BAD_SIGNATURE',
  /** 3. payload `v` is not a version this runtime verifies */
  UNSUPPORTED_VERSION: 'BYTEOR_E_APPROVAL_UNSUPPORTED_VERSION',
  /** 3b. a correctly signed v1 payload that fails the v1 schema (missing field, bad time, ...) */
  PAYLOAD_INVALID: 'BYTEOR_E_APPROVAL_PAYLOAD_INVALID',
  /** 4. `spec_hash` is not the hash of the spec being executed */
  SPEC_MISMATCH: 'BYTEOR_E_APPROVAL_SPEC_MISMATCH',
  /** 5. `environment_posture` is not the runtime's environment */
  ENVIRONMENT_MISMATCH: 'BYTEOR_E_APPROVAL_ENVIRONMENT_MISMATCH',
  /** 6. `expires_at` has passed (or `issued_at` lies in the future) */
  EXPIRED: 'BYTEOR_E_APPROVAL_EXPIRED',
  /** 7. a required side-effect capability is not granted */
  MISSING_CAPABILITY: 'BYTEOR_E_APPROVAL_MISSING_CAPABILITY',
  /** no credential was given and none lies next to the spec */
  MISSING: 'BYTEOR_E_APPROVAL_MISSING',
  /** no key set was given and none lies next to the spec */
  KEY_SET_MISSING: 'BYTEOR_E_APPROVAL_KEY_SET_MISSING',
  /** the key set file is unreadable or fails its schema (exit 6) */
  KEY_SET_INVALID: 'BYTEOR_E_APPROVAL_KEY_SET_INVALID',
  /** the credential file exists but cannot be read (exit 6) */
  UNREADABLE: 'BYTEOR_E_APPROVAL_UNREADABLE',
  /** a private key file is unreadable or not an Ed25519 private key (exit 6) */
  PRIVATE_KEY_INVALID: 'BYTEOR_E_APPROVAL_PRIVATE_KEY_INVALID',
  /** signing was asked for a payload that is not a valid v1 payload (exit 2) */
  SIGN_INPUT: 'BYTEOR_E_APPROVAL_SIGN_INPUT',
} as const;
