import type { InspectFinding, InspectStep } from '../../../kernel/artifacts/inspect-report.ts';
import { POLICY_AUDIT_FILE, type PolicyAuditRecordV1 } from '../../../kernel/artifacts/policy-audit.ts';
import { ENV_VAR_ENVIRONMENT } from '../../../kernel/policy/environment.ts';
import { RUN_POLICY_AUDIT_FILE, type BundleView } from './bundle-view.ts';
import { anomaly, note, statusOf, step, unread } from './finding.ts';

/** What an approval record says, in a sentence. */
export function approvalText(r: PolicyAuditRecordV1): string {
  const a = r.approval;
  if (!a) return 'no approval outcome recorded';
  if (!a.required) return 'no approval required';
  if (a.verified)
    return `approval ${a.approval_id ?? ''} verified (key ${a.kid ?? '?'}, from ${a.source ?? '?'})`.replace('  ', ' ');
  if (!a.provided) return 'an approval is required and none was provided';
  return (
    `an approval is required; the one provided (${a.source ?? '?'}) did not verify` +
    `${a.error ? `: [${a.error.code}] ${a.error.message}` : ''}`
  );
}

/** Findings about one policy audit record: denials and approvals that did not verify. */
export function postureFindings(r: PolicyAuditRecordV1, file: string): InspectFinding[] {
  const out: InspectFinding[] = [];
  const env = r.environment ?? 'an unrecorded environment';
  for (const a of r.actions ?? []) {
    if (a.decision === 'Deny')
      out.push(
        anomaly(
          'denied',
          `${file}: ${a.role} (${a.key}) is denied in ${env} (side_effects=${r.policy?.side_effects ?? '?'}, ` +
            `replay=${r.policy?.replay ?? '?'})`,
        ),
      );
  }
  if (r.approval?.required && !r.approval.verified)
    out.push(anomaly('approval_unverified', `${file}: ${approvalText(r)}`));
  return out;
}

/** Step 2: policy_audit.json, compared with the manifest, the captured environment and the run's own record. */
export function policyStep(v: BundleView): InspectStep {
  const missing = unread(
    'policy_audit',
    POLICY_AUDIT_FILE,
    v.policy,
    'every bundle has one; re-export it with byteor incident-bundle',
  );
  if (missing || v.policy.status !== 'ok') return missing!;
  const r = v.policy.value;
  const findings: InspectFinding[] = [];
  const files = [POLICY_AUDIT_FILE];
  if (!r.spec) findings.push(anomaly('spec_unparsed', `the policy audit could not read the spec: ${r.error}`));
  else if (r.spec.spec_hash !== v.manifest.spec_hash)
    findings.push(
      anomaly(
        'spec_hash_mismatch',
        `the policy audit is for spec ${r.spec.spec_hash}, the bundle's spec is ${v.manifest.spec_hash}`,
      ),
    );
  findings.push(...postureFindings(r, POLICY_AUDIT_FILE));
  // the environment the audit was computed for against the one the captured process ran in
  if (v.environment.status === 'ok' && r.environment) {
    const captured = v.environment.value.env.find(([k]) => k === ENV_VAR_ENVIRONMENT)?.[1];
    if (captured !== undefined && captured !== '' && captured !== r.environment) {
      findings.push(
        anomaly(
          'environment_mismatch',
          `the policy audit was computed for ${r.environment}, the captured process ran with ` +
            `${ENV_VAR_ENVIRONMENT}=${captured}`,
        ),
      );
    }
  }
  // ActionGraph: the record the run's gate enforced
  if (v.runPolicy.status === 'ok') {
    files.push(RUN_POLICY_AUDIT_FILE);
    const run = v.runPolicy.value;
    if (run.environment && r.environment && run.environment !== r.environment) {
      findings.push(
        anomaly(
          'environment_mismatch',
          `the run was gated in ${run.environment} (${RUN_POLICY_AUDIT_FILE}), the bundle's policy audit is for ` +
            `${r.environment}`,
        ),
      );
    }
    if (run.spec && run.spec.spec_hash !== v.manifest.spec_hash)
      findings.push(
        anomaly(
          'spec_hash_mismatch',
          `the run was gated for spec ${run.spec.spec_hash}, the bundle's spec is ${v.manifest.spec_hash}`,
        ),
      );
    findings.push(...postureFindings(run, RUN_POLICY_AUDIT_FILE));
  } else if (v.runPolicy.status === 'unreadable') {
    findings.push(anomaly('run_policy_unreadable', `${RUN_POLICY_AUDIT_FILE} fails its schema: ${v.runPolicy.why}`));
  }
  const summary =
    `${r.environment ?? 'environment not recorded'}: decision ${r.decision ?? '(not recorded)'}` +
    `${r.policy ? ` (side_effects=${r.policy.side_effects}, replay=${r.policy.replay})` : ''}; ${approvalText(r)}`;
  if (statusOf(findings) === 'ok' && r.decision === 'RequireApproval')
    findings.push(note('approval_verified', approvalText(r)));
  return step('policy_audit', files, statusOf(findings), summary, findings);
}
