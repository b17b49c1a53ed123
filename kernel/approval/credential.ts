import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { ByteorError } from '../errors.ts';
import { canonicalJson } from './canonical-json.ts';
import { findDuplicateJsonKey } from './duplicate-json-keys.ts';
import { ApprovalErrorCode } from './error-codes.ts';
import { ApprovalPayloadV1 } from './payload.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/**
 * The approval credential v1 text form: `<base64url(payload bytes)>.<base64url(signature)>`,
 * base64url without padding (RFC 4648 section 5), the payload canonical JSON, the signature
 * Ed25519 over exactly the payload bytes.
 */

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Strict base64url (no padding, canonical trailing bits); undefined when `s` is not. */
export function decodeBase64url(s: string): Uint8Array | undefined {
  if (!B64URL.test(s) || s.length % 4 === 1) return undefined;
  const bytes = Buffer.from(s, 'base64url');
  return bytes.toString('base64url') === s ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : undefined;
}

export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

/** A credential split into its parts; the payload is parsed JSON but not yet trusted or checked. */
export interface DecodedCredential {
  payloadBytes: Uint8Array;
  payload: Record<string, unknown> & { kid: string };
  signature: Uint8Array;
}

function undecodable(why: string): ByteorError {
  return KernelErrors.error(
    ApprovalErrorCode.UNDECODABLE,
    `approval credential cannot be decoded: ${why}; an approval.cred holds one line "<payload>.<signature>" as ` +
      `written by "byteor approval sign"`,
    { reason: why },
  );
}

/**
 * Split and decode a credential (surrounding whitespace is ignored). Throws
 * BYTEOR_E_APPROVAL_UNDECODABLE, also for a payload with a duplicate key at any depth.
 */
export function decodeApprovalCredential(text: string): DecodedCredential {
  const t = text.trim();
  const parts = t.split('.');
  if (parts.length !== 2) return fail(`expected two base64url parts joined by ".", found ${parts.length}`);
  const payloadBytes = decodeBase64url(parts[0]!);
  if (!payloadBytes) return fail('the payload part is not base64url without padding');
  const signature = decodeBase64url(parts[1]!);
  if (!signature) return fail('the signature part is not base64url without padding');
  if (signature.length !== 64) return fail(`an Ed25519 signature is 64 bytes, this one is ${signature.length}`);
  let payload: unknown;
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes);
    payload = JSON.parse(json);
  } catch {
    return fail('the payload is not UTF-8 JSON');
  }
  const dup = findDuplicateJsonKey(json);
  if (dup)
    return fail(
      `the payload has the duplicate key "${dup.key}"${dup.path ? ` in ${dup.path}` : ''} (a reader could take ` +
        `either value)`,
    );
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return fail('the payload is not a JSON object');
  const kid = (payload as Record<string, unknown>).kid;
  if (typeof kid !== 'string' || kid.length === 0) return fail('the payload has no "kid" naming its signing key');
  return { payloadBytes, payload: payload as DecodedCredential['payload'], signature };

  function fail(why: string): never {
    throw undecodable(why);
  }
}

/** Read a PEM (PKCS#8) Ed25519 private key, or pass a KeyObject through after checking its type. */
export function toEd25519PrivateKey(key: KeyObject | string): KeyObject {
  let k: KeyObject;
  try {
    k = typeof key === 'string' ? createPrivateKey(key) : key;
  } catch (e) {
    throw KernelErrors.error(
      ApprovalErrorCode.PRIVATE_KEY_INVALID,
      `not a readable private key (${(e as Error).message}); use a PEM file written by "byteor approval keygen"`,
    );
  }
  if (k.type !== 'private' || k.asymmetricKeyType !== 'ed25519') {
    throw KernelErrors.error(
      ApprovalErrorCode.PRIVATE_KEY_INVALID,
      `the key is a ${k.type} ${k.asymmetricKeyType ?? ''} key, not an Ed25519 private key; use a PEM file ` +
        `written by "byteor approval keygen"`,
    );
  }
  return k;
}

/**
 * Sign a v1 payload: validate it against the v1 schema, encode it as canonical JSON and sign
 * those bytes with Ed25519. Returns the credential text (no trailing newline).
 */
export function signApprovalCredential(payload: ApprovalPayloadV1, privateKey: KeyObject | string): string {
  const r = ApprovalPayloadV1.safeParse(payload);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw KernelErrors.error(
      ApprovalErrorCode.SIGN_INPUT,
      `cannot sign an approval payload whose ${issue.path.join('.') || 'value'} ${issue.message}`,
    );
  }
  const bytes = new TextEncoder().encode(canonicalJson(r.data));
  const sig = sign(null, bytes, toEd25519PrivateKey(privateKey));
  return `${encodeBase64url(bytes)}.${encodeBase64url(sig)}`;
}
