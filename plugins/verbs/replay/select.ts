import { journalWindowLanes, journalWindowPath, readJournalWindow } from '../../../kernel/bundle/journal-window.ts';
import { sha256Hex } from '../../../kernel/bundle/manifest.ts';
import { ReplayErrors } from './errors.ts';

/** How many selected records get their sha256 in the audit's `sample_sha256` (the first ones). */
export const SAMPLE_LIMIT = 16;

export interface ReplaySelection {
  journal_lane: string;
  journal_path: string;
  last_n: number;
  scanned_records: number;
  selected_bytes: number;
  sample_sha256: string[];
  records: Uint8Array[];
}

/**
 * Pick the replay input from the bundle's journal window: the last `lastN` records of the lane
 * (all of them when lastN is undefined). SingleRing bundles hold one lane, `ingress`; a bundle
 * with several lanes needs `--journal-lane`. A bundle without a journal window selects nothing.
 */
export function selectRecords(bundleDir: string, lastN: number | undefined, lane: string | undefined): ReplaySelection {
  const lanes = journalWindowLanes(bundleDir);
  if (lane !== undefined && !lanes.includes(lane)) {
    throw ReplayErrors.error(
      'BYTEOR_E_REPLAY_NO_LANE',
      `the bundle has no journal window for lane "${lane}" (it has: ${lanes.join(', ') || 'none'})`,
      { lanes },
    );
  }
  if (lane === undefined && lanes.length > 1) {
    throw ReplayErrors.error(
      'BYTEOR_E_REPLAY_NO_LANE',
      `the bundle has journal windows for several lanes (${lanes.join(', ')}); choose one with --journal-lane`,
      { lanes },
    );
  }
  const chosen = lane ?? lanes[0];
  if (chosen === undefined) {
    return {
      journal_lane: 'ingress',
      journal_path: journalWindowPath('ingress'),
      last_n: lastN ?? 0,
      scanned_records: 0,
      selected_bytes: 0,
      sample_sha256: [],
      records: [],
    };
  }
  const all = readJournalWindow(bundleDir, chosen);
  const records = lastN === undefined ? all : all.slice(Math.max(0, all.length - lastN));
  let bytes = 0;
  for (const r of records) bytes += r.length;
  return {
    journal_lane: chosen,
    journal_path: journalWindowPath(chosen),
    last_n: lastN ?? all.length,
    scanned_records: all.length,
    selected_bytes: bytes,
    sample_sha256: records.slice(0, SAMPLE_LIMIT).map((r) => sha256Hex(r)),
    records,
  };
}
