import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ByteorError } from '../errors.ts';
import { BUNDLE_MANIFEST_FILE, BundleManifest, type BundleFileEntry } from '../artifacts/bundle-manifest.ts';
import { KernelErrors, type KernelErrorCode } from '../errors/kernel-errors.ts';

/**
 * The incident bundle's integrity: `manifest.json` lists every other file with its size and
 * sha256. A bundle verifies when the files on disk are exactly those of the manifest, byte for
 * byte; anything else (a changed, missing or extra file, a link, a malformed manifest) is
 * refused with exit 6.
 */

function invalid(code: KernelErrorCode, dir: string, why: string, details: Record<string, unknown> = {}): ByteorError {
  return KernelErrors.error(code, `incident bundle ${dir} ${why}`, { bundle: dir, ...details });
}

/** the signature over manifest.json (kernel/bundle/signature.ts), outside the manifest like the manifest itself */
export const BUNDLE_SIGNATURE_FILE = 'manifest.sig';

/**
 * Relative `/`-separated paths of the regular files under `dir` (manifest and its signature excluded), sorted. Links
 * are refused.
 */
export function listBundleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) {
        if (r !== BUNDLE_MANIFEST_FILE && r !== BUNDLE_SIGNATURE_FILE) out.push(r);
      } else
        throw invalid(
          'BYTEOR_E_BUNDLE_INVALID',
          dir,
          `holds ${r}, which is not a regular file or directory (links are not allowed in a bundle)`,
          { path: r },
        );
    }
  };
  walk('');
  return out.sort();
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Size and sha256 of every file of the bundle directory. */
export function hashBundleFiles(dir: string): BundleFileEntry[] {
  return listBundleFiles(dir).map((path) => {
    const bytes = readFileSync(join(dir, path));
    return { path, bytes: bytes.length, sha256: sha256Hex(bytes) };
  });
}

/** Read and check `manifest.json`, then check every file against it. Returns the manifest. */
export function verifyBundleDir(dir: string): BundleManifest {
  let text: string;
  try {
    text = readFileSync(join(dir, BUNDLE_MANIFEST_FILE), 'utf8');
  } catch (e) {
    throw invalid(
      'BYTEOR_E_BUNDLE_INVALID',
      dir,
      `has no readable ${BUNDLE_MANIFEST_FILE} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ` +
        `is it an incident bundle? Re-export it with "byteor incident-bundle"`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('BYTEOR_E_BUNDLE_INVALID', dir, `has a ${BUNDLE_MANIFEST_FILE} that is not JSON`);
  }
  const r = BundleManifest.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw invalid(
      'BYTEOR_E_BUNDLE_INVALID',
      dir,
      `has a ${BUNDLE_MANIFEST_FILE} that fails its schema: ${i.path.join('.') || '(root)'} ${i.message}`,
    );
  }
  const manifest = r.data;
  const want = new Map(manifest.files.map((f) => [f.path, f]));
  const have = listBundleFiles(dir);
  const extra = have.filter((p) => !want.has(p));
  if (extra.length)
    throw invalid('BYTEOR_E_BUNDLE_TAMPERED', dir, `holds files its manifest does not list: ${extra.join(', ')}`, {
      extra,
    });
  const haveSet = new Set(have);
  const missing = manifest.files.filter((f) => !haveSet.has(f.path)).map((f) => f.path);
  if (missing.length)
    throw invalid('BYTEOR_E_BUNDLE_TAMPERED', dir, `lacks files its manifest lists: ${missing.join(', ')}`, {
      missing,
    });
  for (const f of manifest.files) {
    const bytes = readFileSync(join(dir, f.path));
    if (bytes.length !== f.bytes || sha256Hex(bytes) !== f.sha256) {
      throw invalid(
        'BYTEOR_E_BUNDLE_TAMPERED',
        dir,
        `file ${f.path} does not match its manifest entry (changed after export); use an untouched copy of the bundle`,
        { path: f.path },
      );
    }
  }
  return manifest;
}
