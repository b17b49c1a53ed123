import { readFileSync } from 'node:fs';
import { main } from '../../kernel/cli.ts';
import {
  BundleManifest,
  JournalWindowMeta,
  hashBundleFiles,
  journalWindowMetaPath,
  writeJournalWindow,
  writeJsonArtifact,
} from '../../kernel/index.ts';

/** Run the CLI in-process with a fixed environment; returns exit code, stdout and stderr. */
export async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    io: {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      tty: false,
      color: false,
    },
    env: { PATH: '/usr/bin:/bin', ...env },
  });
  return { code, out, err };
}

/**
 * Give a bundle a journal window as incident-bundle writes it (journal/<lane>.records) and
 * re-seal its manifest — for replay tests that need a known, exact input.
 */
export function addJournalWindow(
  bundleDir: string,
  records: readonly string[],
  lane = 'ingress',
  meta?: JournalWindowMeta,
): void {
  writeJournalWindow(
    bundleDir,
    lane,
    records.map((r) => new TextEncoder().encode(r)),
  );
  if (meta) writeJsonArtifact(`${bundleDir}/${journalWindowMetaPath(lane)}`, JournalWindowMeta, meta);
  const m = BundleManifest.parse(JSON.parse(readFileSync(`${bundleDir}/manifest.json`, 'utf8')));
  writeJsonArtifact(`${bundleDir}/manifest.json`, BundleManifest, {
    ...m,
    journal_records: records.length,
    files: hashBundleFiles(bundleDir),
  });
}
