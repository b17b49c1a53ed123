import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ByteorError } from '../errors.ts';
import { BUNDLE_MANIFEST_FILE } from '../artifacts/bundle-manifest.ts';
import { decodeBase64url, encodeBase64url, toEd25519PrivateKey } from '../approval/credential.ts';
import { rawPublicKey, type TrustedKeySet } from '../approval/key-set.ts';
import { stableJson } from '../artifacts/json.ts';
import { BUNDLE_SIGNATURE_FILE } from './manifest.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/**
 * A signed incident bundle: `manifest.sig` next to `manifest.json` holds an Ed25519 signature
 * over the exact bytes of `manifest.json` (which lists the sha256 of every other file), made
 * with a key from `byteor approval keygen`. The manifest proves the bundle intact; the
 * signature proves who made it. `replay --require-signed` accepts a bundle only when the
 * signing key is an active key of the trusted key set (the approval key set format).
 */
export { BUNDLE_SIGNATURE_FILE };

export const BundleSignature = z
  .object({
    sig_v: z.literal(1),
    alg: z.literal('ed25519'),
    /** base64url of the raw 32-byte public key that made the signature */
    public_key: z.string(),
    /** base64url of the 64-byte Ed25519 signature over manifest.json */
    signature: z.string(),
  })
  .strict();
export type BundleSignature = z.infer<typeof BundleSignature>;

export const BundleSignatureCode = {
  UNSIGNED: 'BYTEOR_E_BUNDLE_UNSIGNED',
  UNTRUSTED: 'BYTEOR_E_BUNDLE_SIGNER_UNTRUSTED',
  INVALID: 'BYTEOR_E_BUNDLE_SIGNATURE_INVALID',
  KEY: 'BYTEOR_E_BUNDLE_SIGN_KEY',
} as const;

/**
 * The Ed25519 private key (PEM, from `byteor approval keygen`) in `keyFile`: exit 2 when unreadable, 6 when not such a
 * key.
 */
export function readBundleSigningKey(keyFile: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(keyFile, 'utf8');
  } catch (e) {
    throw KernelErrors.error(
      BundleSignatureCode.KEY,
      `--sign-key=${keyFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ` +
        `pass the private key PEM written by "byteor approval keygen"`,
      { path: keyFile },
    );
  }
  return toEd25519PrivateKey(pem);
}

/** Sign `dir/manifest.json` with `key`; writes `dir/manifest.sig` (0600, never over an existing file). */
export function signBundleManifest(dir: string, key: KeyObject): BundleSignature {
  const manifest = readFileSync(join(dir, BUNDLE_MANIFEST_FILE));
  const doc: BundleSignature = {
    sig_v: 1,
    alg: 'ed25519',
    public_key: rawPublicKey(createPublicKey(key)),
    signature: encodeBase64url(sign(null, manifest, key)),
  };
  writeFileSync(join(dir, BUNDLE_SIGNATURE_FILE), stableJson(doc), { mode: 0o600, flag: 'wx' });
  return doc;
}

function invalid(dir: string, why: string): ByteorError {
  return KernelErrors.error(
    BundleSignatureCode.INVALID,
    `incident bundle ${dir}: ${BUNDLE_SIGNATURE_FILE} ${why}; the bundle was altered after it was signed — use ` +
      `an untouched copy, or re-export and sign it`,
    { bundle: dir },
  );
}

/**
 * Check the bundle's signature against `keys`. Refuses (exit 4) an unsigned bundle and one signed
 * by a key that is not an active key of the set; refuses (exit 6) a malformed signature file or
 * a signature that does not verify over manifest.json. Returns the signing key's kid.
 */
export function verifyBundleSignature(dir: string, keys: TrustedKeySet, keySetSource: string): { kid: string } {
  let text: string;
  try {
    text = readFileSync(join(dir, BUNDLE_SIGNATURE_FILE), 'utf8');
  } catch {
    throw KernelErrors.error(
      BundleSignatureCode.UNSIGNED,
      `incident bundle ${dir} is not signed (no ${BUNDLE_SIGNATURE_FILE}) and --require-signed was given; ask ` +
        `its maker to export it with "byteor incident-bundle --sign-key=FILE"`,
      { bundle: dir },
    );
  }
  let doc: BundleSignature;
  try {
    doc = BundleSignature.parse(JSON.parse(text));
  } catch {
    throw invalid(dir, 'is not a signature document {sig_v, alg, public_key, signature}');
  }
  const pub = decodeBase64url(doc.public_key);
  const sig = decodeBase64url(doc.signature);
  if (!pub || pub.length !== 32 || !sig || sig.length !== 64)
    throw invalid(dir, 'holds a public key or signature of the wrong size');
  const entry = keys.keys.find((k) => k.public_key === doc.public_key);
  const key = entry ? keys.active.get(entry.kid) : undefined;
  if (!entry || !key) {
    throw KernelErrors.error(
      BundleSignatureCode.UNTRUSTED,
      `incident bundle ${dir} is signed by ` +
        `${entry ? `the retired key "${entry.kid}"` : `a key that is not in the trusted key set ${keySetSource}`}; ` +
        `get a bundle signed by an active key, or add its key to the set`,
      { bundle: dir, ...(entry ? { kid: entry.kid, reason: 'retired_kid' } : { reason: 'unknown_key' }) },
    );
  }
  if (!verify(null, readFileSync(join(dir, BUNDLE_MANIFEST_FILE)), key, sig))
    throw invalid(dir, `does not verify against key "${entry.kid}" over ${BUNDLE_MANIFEST_FILE}`);
  return { kid: entry.kid };
}
