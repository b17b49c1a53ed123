import type { InspectFinding } from '../../../kernel/artifacts/inspect-report.ts';
import type { DataguardReport } from '../../dataguard/report.ts';
import { anomaly, note } from './finding.ts';

/**
 * What a DataGuard kv/v1 report says went wrong: a run that stopped, and every record that was not accepted cleanly.
 */
export function dataguardFindings(r: DataguardReport): InspectFinding[] {
  const out: InspectFinding[] = [];
  const c = r.counts;
  if (!r.report.run_ok)
    out.push(
      anomaly(
        'dataguard_run_failed',
        `report.run_ok=false: the run stopped before its end (counts.unfinished=${c.unfinished})`,
      ),
    );
  const bad: Array<[keyof typeof c, string]> = [
    ['rejected', 'rejected by a policy rule'],
    ['decode_err', 'could not be decoded'],
    ['codec_mismatch', 'had another codec than the schema'],
    ['schema_missing', 'named a schema the registry does not hold'],
    ['schema_incompatible', `were older than schema.required_version=${r.schema.required_version}`],
    ['redact_overflow', 'grew past the slot when redacted'],
  ];
  for (const [k, why] of bad)
    if ((c[k] as number) > 0)
      out.push(anomaly(`counts.${k}`, `counts.${k}=${c[k] as number} of counts.seen=${c.seen}: records that ${why}`));
  if (!r.policy.active) out.push(note('policy.inactive', 'policy.active=false: no rules were applied'));
  return out;
}
