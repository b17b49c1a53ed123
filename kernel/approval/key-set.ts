import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ByteorError } from '../errors.ts';
import { SigningKeySet, type SigningKey } from '../artifacts/signing-key-set.ts';
import { decodeBase64url } from './credential.ts';
import { ApprovalErrorCode } from './error-codes.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/** A trusted key set ready for verification: the file's entries plus their public keys. */
export interface TrustedKeySet {
  keys: ReadonlyArray<SigningKey>;
  /** public keys of the `active` entries by kid */
  active: ReadonlyMap<string, KeyObject>;
}

function invalid(source: string, why: string): ByteorError {
  return KernelErrors.error(
    ApprovalErrorCode.KEY_SET_INVALID,
    `approval key set ${source} is invalid: ${why}; expected ` +
      `{"keys":[{"kid","alg":"ed25519","public_key":<base64url raw 32 bytes>,"status":"active|retired"}]}`,
    { source },
  );
}

/** Check a parsed `signing_keys.json` document and build its public keys. */
export function trustedKeySet(doc: unknown, source = '(inline)'): TrustedKeySet {
  const r = SigningKeySet.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw invalid(source, `${issue.path.join('.') || 'document'} ${issue.message}`);
  }
  const active = new Map<string, KeyObject>();
  for (const k of r.data.keys) {
    const raw = decodeBase64url(k.public_key);
    if (!raw || raw.length !== 32)
      throw invalid(source, `key "${k.kid}" public_key is not a canonical base64url encoding of 32 bytes`);
    if (k.status === 'active') active.set(k.kid, publicKeyFromRaw(raw));
  }
  return { keys: r.data.keys, active };
}

/** Read `signing_keys.json` from disk (exit 6 when it cannot be read or fails its schema). */
export function readKeySet(path: string): TrustedKeySet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw KernelErrors.error(
        ApprovalErrorCode.KEY_SET_MISSING,
        `approval key set ${path} does not exist; put the trusted signing_keys.json there or pass ` +
          `--approval-key-set=PATH`,
        { path },
      );
    }
    throw invalid(path, `cannot be read (${code ?? (e as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(path, `not JSON (${(e as Error).message})`);
  }
  return trustedKeySet(doc, path);
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

/** The base64url raw 32-byte form of an Ed25519 public key (as `public_key` in the key set). */
export function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as { x?: string };
  if (!jwk.x) throw new TypeError('not an Ed25519 key');
  return jwk.x;
}

/** A new Ed25519 key pair: the private key as PKCS#8 PEM and the key-set entry for its public half. */
export function generateSigningKey(kid: string): { privateKeyPem: string; entry: SigningKey } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    entry: { kid, alg: 'ed25519', public_key: rawPublicKey(publicKey), status: 'active' },
  };
}
