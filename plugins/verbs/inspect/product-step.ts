import type { InspectFinding, InspectStep } from '../../../kernel/artifacts/inspect-report.ts';
import { REPORT_FILE } from '../../dataguard/report.ts';
import { RUN_POLICY_AUDIT_FILE, type BundleView } from './bundle-view.ts';
import { dataguardFindings } from './dataguard-findings.ts';
import { anomaly, note, statusOf, step } from './finding.ts';
import { approvalText } from './policy-step.ts';

/**
 * Step 5: the product artifacts (the DataGuard report, ActionGraph's run record, any other
 * plugin artifact the manifest lists) and the replay audits of this bundle.
 */
export function productStep(v: BundleView): InspectStep {
  const files: string[] = [];
  const findings: InspectFinding[] = [];
  const parts: string[] = [];
  if (v.dataguard.status === 'ok') {
    const r = v.dataguard.value;
    files.push(REPORT_FILE);
    parts.push(
      `DataGuard report: counts.seen=${r.counts.seen} accepted=${r.counts.accepted} rejected=${r.counts.rejected}`,
    );
    findings.push(...dataguardFindings(r));
  } else if (v.dataguard.status === 'unreadable') {
    files.push(REPORT_FILE);
    findings.push(anomaly('dataguard_report_unreadable', `${REPORT_FILE} is not a kv/v1 report: ${v.dataguard.why}`));
  }
  if (v.runPolicy.status === 'ok') {
    files.push(RUN_POLICY_AUDIT_FILE);
    parts.push(
      `ActionGraph run record: ${v.runPolicy.value.environment ?? '?'} decision ` +
        `${v.runPolicy.value.decision ?? '?'}, ${approvalText(v.runPolicy.value)}`,
    );
  }
  for (const a of v.manifest.artifacts) {
    if (a.outcome === 'failed')
      findings.push(
        anomaly('artifact_failed', `plugin ${a.plugin} could not write ${a.file}: ${a.error ?? 'no reason recorded'}`),
      );
    else if (a.outcome === 'written' && !files.includes(a.file)) {
      files.push(a.file);
      parts.push(`${a.file} (plugin ${a.plugin})`);
    }
  }
  for (const { file, read } of v.replayAudits) {
    files.push(file);
    if (read.status !== 'ok') {
      findings.push(
        anomaly(
          'replay_audit_unreadable',
          `${file} is not a replay audit v1: ${read.status === 'unreadable' ? read.why : 'missing'}`,
        ),
      );
      continue;
    }
    const a = read.value;
    const res = a.result;
    const what =
      `replay ${a.policy.mode} in ${a.policy.env} (${file}): ` +
      `${res ? `${res.records_in} in, ${res.records_out} out, ${res.dropped} dropped` : 'no result recorded'}`;
    if (res && !res.ok)
      findings.push(
        anomaly('replay_failed', `${what}; refused or failed: [${res.error?.code ?? '?'}] ${res.error?.message ?? ''}`),
      );
    else findings.push(note('replay_audit', `${what}; ok`));
    if (a.spec_sha256 !== v.manifest.spec_hash?.replace(/^sha256:/, ''))
      findings.push(
        anomaly(
          'replay_other_spec',
          `${file} replayed spec sha256:${a.spec_sha256}, not the bundle's ${v.manifest.spec_hash}`,
        ),
      );
  }
  if (files.length === 0)
    return step(
      'product_artifacts',
      [REPORT_FILE, RUN_POLICY_AUDIT_FILE],
      'missing',
      'no product artifacts and no replay audit of this bundle yet',
      [],
    );
  if (v.replayAudits.length === 0) parts.push('no replay audit of this bundle yet');
  else parts.push(`${v.replayAudits.length} replay audit${v.replayAudits.length === 1 ? '' : 's'}`);
  return step('product_artifacts', files, statusOf(findings), parts.join('; '), findings);
}
