import { z } from 'zod';

/**
 * `manifest.json` of an incident bundle (byteor-ts addition; ByteOr v1 documents no manifest):
 * the bundle format version and the size and sha256 of every other file, sorted by path
 * (`/`-separated, relative to the bundle directory). `replay` refuses a bundle whose files do
 * not match it (exit 6).
 */
export const BUNDLE_MANIFEST_FILE = 'manifest.json';
export const INCIDENT_BUNDLE_VERSION = 1 as const;

export const BundleFileEntry = z.object({
  path: z
    .string()
    .min(1)
    .refine(
      (p) => !p.startsWith('/') && !p.split('/').includes('..') && p !== BUNDLE_MANIFEST_FILE,
      'must be a relative path inside the bundle',
    ),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type BundleFileEntry = z.infer<typeof BundleFileEntry>;

export const BundleManifest = z.object({
  bundle_v: z.literal(INCIDENT_BUNDLE_VERSION),
  created_unix_ms: z.number().int(),
  /** `sha256:<hex>` of the canonical spec, or null when the spec was invalid */
  spec_hash: z.string().nullable(),
  /** whether the spec validated when the bundle was taken */
  spec_ok: z.boolean(),
  /** where the snapshot came from, or null when none was captured */
  snapshot_source: z.enum(['live', 'state_file']).nullable(),
  /** journal records in the bundle (0 when none) */
  journal_records: z.number().int().nonnegative(),
  /** what could not be captured from the run directory (snapshot, journal), and why */
  capture_errors: z.array(z.object({ what: z.enum(['snapshot', 'journal']), code: z.string(), message: z.string() })),
  /** what each plugin bundle artifact did: written, not applicable, or failed (with why) */
  artifacts: z.array(
    z.object({
      file: z.string(),
      plugin: z.string(),
      outcome: z.enum(['written', 'not_applicable', 'failed']),
      error: z.string().nullable(),
    }),
  ),
  files: z
    .array(BundleFileEntry)
    .refine((fs) => fs.every((f, i) => i === 0 || fs[i - 1]!.path < f.path), 'files must be sorted by path, each once'),
});
export type BundleManifest = z.infer<typeof BundleManifest>;
