/**
 * The report of the records a run accepted but did not deliver (a failure, or a drain that ran
 * past --drain-timeout): how many, and where they are — the ring or lane positions still
 * holding them (the ingress journal keeps the ingress side's records by shard and sequence,
 * `readJournal` returns both), and how many never entered the pipeline (they waited in front of
 * a full ring or lane; not journaled). Appended to the run's error message, so the operator's
 * next step (incident-bundle, replay of the journal window) starts from it.
 */

/** A run of undelivered records at one position: `where` is e.g. `shard 0` or `lane "out" (reader egress)`. */
export interface UndeliveredRange {
  where: string;
  first: number;
  last: number;
}

export interface UndeliveredJournal {
  dir?: string | undefined;
  runId?: string | undefined;
}

export function describeUndelivered(
  count: number,
  ranges: readonly UndeliveredRange[],
  journal: UndeliveredJournal | null,
  entry: 'ring' | 'ingress lanes',
): string {
  const parts: string[] = [];
  let held = 0;
  for (const r of ranges) {
    parts.push(`${r.where} sequences ${r.first}..${r.last}`);
    held += r.last - r.first + 1;
  }
  const outside = Math.max(0, count - held);
  if (outside > 0) parts.push(`${outside} waiting in front of the ${entry} (never entered it; not journaled)`);
  const kept = journal?.dir
    ? `; the records that entered are in the ingress journal ${journal.dir}` +
      `${journal.runId ? ` (run_id ${journal.runId})` : ''}: byteor incident-bundle takes them, byteor replay runs ` +
      `them again`
    : '; no ingress journal was kept (one-shot run): send them again from the source';
  return `${count} records were not delivered: ${parts.join(', ') || 'none located'}${ranges.length ? kept : ''}`;
}
