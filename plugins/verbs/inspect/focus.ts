import type { InspectFinding, InspectFocus, InspectProduct } from '../../../kernel/artifacts/inspect-report.ts';
import type { PolicyAuditRecordV1 } from '../../../kernel/artifacts/policy-audit.ts';
import { POLICY_AUDIT_FILE } from '../../../kernel/artifacts/policy-audit.ts';
import { adapterEntries, adapterFindings } from './adapters.ts';
import { RUN_POLICY_AUDIT_FILE, stageKeys, type BundleView } from './bundle-view.ts';
import { dataguardFindings } from './dataguard-findings.ts';
import { anomaly, statusOf } from './finding.ts';
import { PRODUCT_FOCUS } from './interpretations.ts';
import { postureFindings } from './policy-step.ts';

/**
 * The runbook's product shortcuts ("Product-specific interpretation shortcuts"): which product
 * surface a bundle comes from, and the artifact to look at first for each.
 */

const ACTION_KEY = /^(http_post|exec):/;
const DATAGUARD_KEY = /^dataguard_/;

export function productsOf(v: BundleView): InspectProduct[] {
  const keys = stageKeys(v.spec).map((s) => s.key);
  const plugins = v.runtimeInfo.status === 'ok' ? (v.runtimeInfo.value.plugins ?? []).map((p) => p.name) : [];
  const out: InspectProduct[] = [];
  const sections = v.state.status === 'ok' ? v.state.value.sections : {};
  if ('adapters' in sections || plugins.includes('edgeplane') || /^\s*ingress\.kind=/m.test(v.runtimeConfig ?? ''))
    out.push('byteor-edgeplane');
  if (keys.some((k) => ACTION_KEY.test(k)) || v.runPolicy.status !== 'missing') out.push('byteor-actiongraph');
  if (keys.some((k) => DATAGUARD_KEY.test(k)) || v.dataguard.status !== 'missing') out.push('byteor-dataguard');
  return out;
}

function edgeplane(v: BundleView): InspectFocus {
  const adapters = v.state.status === 'ok' ? adapterEntries(v.state.value) : null;
  const findings: InspectFinding[] = adapterFindings(adapters);
  const status = adapters === null ? 'missing' : statusOf(findings);
  return {
    product: 'byteor-edgeplane',
    status,
    focus: PRODUCT_FOCUS['byteor-edgeplane'],
    findings,
    adapters: adapters ?? [],
  };
}

function approvalOf(file: string, r: PolicyAuditRecordV1) {
  return {
    record: file,
    environment: r.environment ?? null,
    decision: r.decision ?? null,
    required: r.approval?.required ?? false,
    provided: r.approval?.provided ?? false,
    verified: r.approval?.verified ?? false,
    error: r.approval?.error ?? null,
  };
}

function actiongraph(v: BundleView): InspectFocus {
  const records: Array<[string, PolicyAuditRecordV1]> = [];
  if (v.policy.status === 'ok') records.push([POLICY_AUDIT_FILE, v.policy.value]);
  if (v.runPolicy.status === 'ok') records.push([RUN_POLICY_AUDIT_FILE, v.runPolicy.value]);
  const decisions = new Map(
    (v.policy.status === 'ok' ? (v.policy.value.actions ?? []) : []).map((a) => [`${a.role}|${a.key}`, a.decision]),
  );
  const actions = stageKeys(v.spec)
    .filter((s) => ACTION_KEY.test(s.key))
    .map((s) => ({ ...s, decision: decisions.get(`${s.stage}|${s.key}`) ?? '(not recorded)' }));
  const findings = records.flatMap(([f, r]) => postureFindings(r, f));
  if (records.length === 0)
    findings.push(anomaly('policy_audit_missing', 'neither policy_audit.json nor run_policy_audit.json could be read'));
  return {
    product: 'byteor-actiongraph',
    status: records.length === 0 ? 'missing' : statusOf(findings),
    focus: PRODUCT_FOCUS['byteor-actiongraph'],
    findings,
    actions,
    approvals: records.map(([f, r]) => approvalOf(f, r)),
  };
}

function dataguard(v: BundleView): InspectFocus {
  const base = { product: 'byteor-dataguard' as const, focus: PRODUCT_FOCUS['byteor-dataguard'] };
  if (v.dataguard.status !== 'ok') {
    const why = v.dataguard.status === 'unreadable' ? [anomaly('dataguard_report_unreadable', v.dataguard.why)] : [];
    return { ...base, status: v.dataguard.status, findings: why, schema: null, policy: null, counts: null };
  }
  const r = v.dataguard.value;
  const findings = dataguardFindings(r);
  return {
    ...base,
    status: statusOf(findings),
    findings,
    schema: { ...r.schema },
    policy: { ...r.policy },
    counts: { ...r.counts },
  };
}

export function focusOf(v: BundleView, products: readonly InspectProduct[]): InspectFocus[] {
  return products.map((p) =>
    p === 'byteor-edgeplane' ? edgeplane(v) : p === 'byteor-actiongraph' ? actiongraph(v) : dataguard(v),
  );
}
