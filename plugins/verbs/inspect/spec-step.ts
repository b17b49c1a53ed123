import type { InspectFinding, InspectStep } from '../../../kernel/artifacts/inspect-report.ts';
import { SPEC_VALIDATION_FILE } from '../../../kernel/artifacts/spec-validation.ts';
import type { Diagnostic } from '../../../kernel/spec/model.ts';
import type { BundleView } from './bundle-view.ts';
import { anomaly, note, statusOf, step, unread } from './finding.ts';

const where = (d: Diagnostic) =>
  [d.key, d.line !== undefined ? `line ${d.line}` : undefined].filter(Boolean).join(', ');
const diag = (d: Diagnostic) => `${d.code}: ${d.message}${where(d) ? ` (${where(d)})` : ''}`;

/** Step 1: spec_validation.json. A failure stops the walk (the caller stops on status anomaly with spec_invalid). */
export function specStep(v: BundleView): InspectStep {
  const missing = unread(
    'spec_validation',
    SPEC_VALIDATION_FILE,
    v.validation,
    'every bundle has one; re-export it with byteor incident-bundle',
  );
  if (missing || v.validation.status !== 'ok') return missing!;
  const r = v.validation.value;
  const findings: InspectFinding[] = [];
  if (!r.ok) for (const d of r.errors) findings.push(anomaly('spec_invalid', diag(d)));
  if (r.spec_hash !== v.manifest.spec_hash)
    findings.push(
      anomaly(
        'spec_hash_mismatch',
        `spec_validation.json is about ${r.spec_hash ?? 'a spec that did not decode'}, the manifest says ` +
          `${v.manifest.spec_hash ?? 'none'}`,
      ),
    );
  for (const d of r.warnings) findings.push(note('spec_warning', diag(d)));
  const summary = r.ok
    ? `valid ${r.model} spec ${r.spec_hash}` +
      `${r.warnings.length ? `, ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}` : ''}`
    : `the spec failed validation: ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}`;
  return step('spec_validation', [SPEC_VALIDATION_FILE], statusOf(findings), summary, findings);
}

/** Whether step 1 says the spec is invalid (the walk stops there). */
export const specFailed = (s: InspectStep) => s.findings.some((f) => f.what === 'spec_invalid');
