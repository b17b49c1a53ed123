import type {
  InspectFinding,
  InspectStatus,
  InspectStep,
  InspectStepName,
} from '../../../kernel/artifacts/inspect-report.ts';
import { INTERPRETATION } from './interpretations.ts';
import type { Read } from './read-artifact.ts';

export const anomaly = (what: string, message: string): InspectFinding => ({ severity: 'anomaly', what, message });
export const note = (what: string, message: string): InspectFinding => ({ severity: 'note', what, message });

/** ok or anomaly, from what was found. */
export const statusOf = (findings: readonly InspectFinding[]): InspectStatus =>
  findings.some((f) => f.severity === 'anomaly') ? 'anomaly' : 'ok';

const NUMBER: Readonly<Record<InspectStepName, number>> = {
  spec_validation: 1,
  policy_audit: 2,
  environment: 3,
  runtime_state: 4,
  product_artifacts: 5,
};

/** A step of the walk; the runbook's interpretation is attached when it found an anomaly. */
export function step(
  name: InspectStepName,
  files: string[],
  status: InspectStatus,
  summary: string,
  findings: InspectFinding[],
): InspectStep {
  return {
    step: NUMBER[name],
    name,
    files,
    status,
    summary,
    interpretation: status === 'anomaly' ? INTERPRETATION[name] : null,
    findings,
  };
}

/** The step for an artifact that is missing or fails its schema (null when it was read). */
export function unread<T>(name: InspectStepName, file: string, r: Read<T>, missingWhy: string): InspectStep | null {
  if (r.status === 'missing') return step(name, [file], 'missing', `${file} is not in the bundle: ${missingWhy}`, []);
  if (r.status === 'unreadable') return step(name, [file], 'unreadable', `${file} fails its schema: ${r.why}`, []);
  return null;
}
