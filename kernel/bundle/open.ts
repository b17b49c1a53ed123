import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BundleManifest } from '../artifacts/bundle-manifest.ts';
import { extractBundleArchive } from './archive.ts';
import { verifyBundleDir } from './manifest.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export interface OpenBundle {
  /** the path as given (absolute): a directory or a .tar.gz */
  given: string;
  /** the verified bundle directory (inside a temporary directory for an archive) */
  dir: string;
  manifest: BundleManifest;
  close(): void;
}

/**
 * Open `--bundle=DIR|FILE.tar.gz` and verify it against its manifest (exit 6 when it does not
 * verify): the one way the verbs that read a bundle (replay, inspect, diff) open it. An archive
 * is extracted into a temporary directory that `close()` removes.
 */
export async function openBundle(path: string): Promise<OpenBundle> {
  const given = resolve(path);
  let isDir: boolean;
  try {
    isDir = statSync(given).isDirectory();
  } catch {
    throw KernelErrors.error(
      'BYTEOR_E_BUNDLE_INVALID',
      `--bundle=${path} does not exist; pass a bundle directory or its .tar.gz from "byteor incident-bundle"`,
      { bundle: given },
    );
  }
  if (isDir) return { given, dir: given, manifest: verifyBundleDir(given), close: () => {} };
  const tmp = mkdtempSync(join(tmpdir(), 'byteor-bundle-'));
  const close = () => rmSync(tmp, { recursive: true, force: true });
  try {
    const dir = await extractBundleArchive(given, tmp);
    return { given, dir, manifest: verifyBundleDir(dir), close };
  } catch (e) {
    close();
    throw e;
  }
}
