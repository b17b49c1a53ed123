import { chmodSync, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { basename, dirname } from 'node:path';
import * as tar from 'tar';
import { KernelErrors } from '../errors/kernel-errors.ts';

/**
 * The `.tar.gz` form of an incident bundle: the bundle directory as its single top-level entry,
 * portable headers (no uid/gid/user names), regular files and directories only. The archive file
 * is created new (never through an existing file or link) with mode 0600 whatever the umask;
 * its entries carry the bundle's own 0600/0700 modes.
 */

export async function writeBundleArchive(bundleDir: string, file: string): Promise<void> {
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  try {
    await pipeline(tar.c({ gzip: true, cwd: dirname(bundleDir), portable: true }, [basename(bundleDir)]), out);
    chmodSync(file, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') rmSync(file, { force: true });
    throw e;
  }
}

/**
 * Extract an archive into `into` and return the bundle directory inside it. Links, devices,
 * absolute paths and `..` are refused (exit 6), as is an archive without exactly one top-level
 * directory.
 */
export async function extractBundleArchive(file: string, into: string): Promise<string> {
  const bad = (why: string) =>
    KernelErrors.error('BYTEOR_E_BUNDLE_INVALID', `incident bundle archive ${file} ${why}`, { bundle: file });
  const tops = new Set<string>();
  let refused: string | null = null;
  try {
    await tar.t({
      file,
      onReadEntry: (e) => {
        const p = e.path.replace(/\/+$/, '');
        if (e.type !== 'File' && e.type !== 'Directory')
          refused ??= `holds ${p} of type ${e.type} (only files and directories are allowed)`;
        if (p.startsWith('/') || p.split('/').includes('..')) refused ??= `holds the unsafe path ${p}`;
        tops.add(p.split('/')[0]!);
      },
    });
  } catch (e) {
    throw bad(`cannot be read as a .tar.gz (${(e as Error).message})`);
  }
  if (refused) throw bad(refused);
  if (tops.size !== 1) throw bad(`must hold exactly one top-level directory, found ${tops.size}`);
  mkdirSync(into, { recursive: true });
  await tar.x({ file, cwd: into, strict: true, preserveOwner: false });
  return `${into}/${[...tops][0]}`;
}
