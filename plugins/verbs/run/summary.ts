import type { RunSummary } from '../../../kernel/hooks.ts';

/** The human run summary (stderr): records in, out, dropped, refused, undelivered (when any), elapsed, rate. */
export function formatSummary(s: RunSummary): string {
  const secs = s.elapsed_ms / 1000;
  const rate = secs > 0 ? s.records_in / secs : 0;
  // refused records make the run exit 1 (BYTEOR_E_RECORDS_REFUSED): the line never says ok then
  const status = !s.ok
    ? `failed (${s.error?.code ?? 'unknown'})`
    : s.refused > 0
      ? 'failed (BYTEOR_E_RECORDS_REFUSED)'
      : 'ok';
  return (
    `run ${status}: records in ${s.records_in}, out ${s.records_out}, dropped ${s.dropped}, refused ${s.refused}` +
    (`${s.undelivered > 0 ? `, undelivered ${s.undelivered}` : ''}; elapsed ${secs.toFixed(3)} s, ` +
      `${formatRate(rate)} records/s\n`)
  );
}

function formatRate(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(2)} M`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)} k`;
  return r.toFixed(0);
}
