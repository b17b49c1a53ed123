import { z } from 'zod';

/**
 * `journal/<lane>.meta.json` in an incident bundle: where the journal window
 * (`journal/<lane>.records`) came from — the runtime's journal segments read, the runs
 * (`run_id`) and spec hashes they were written under, the time span, and whether the newest
 * segment ended in a torn record (skipped).
 */
export const JournalWindowMeta = z.object({
  lane: z.string(),
  records: z.number().int().nonnegative(),
  last_n: z.number().int().nonnegative(),
  run_ids: z.array(z.string()),
  spec_hashes: z.array(z.string()),
  first_unix_ms: z.number().int().nullable(),
  last_unix_ms: z.number().int().nullable(),
  source_segments: z.array(z.string()),
  torn: z.boolean(),
});
export type JournalWindowMeta = z.infer<typeof JournalWindowMeta>;

export function journalWindowMetaPath(lane: string): string {
  return `journal/${lane}.meta.json`;
}
