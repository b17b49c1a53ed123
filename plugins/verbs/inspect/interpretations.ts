import type { InspectStepName } from '../../../kernel/artifacts/inspect-report.ts';

/**
 * The runbook's readings (ByteOr's operator flow, "Typical interpretations"), one per step: what
 * an anomaly found there means. inspect prints the one of a step that found an anomaly.
 */
export const INTERPRETATION: Readonly<Record<InspectStepName, string>> = {
  spec_validation: 'a spec-validation failure means you are not debugging runtime behaviour yet',
  policy_audit: 'a policy-audit mismatch means the environment or approval posture is wrong',
  environment: 'an environment mismatch means the host posture may differ from the assumed tuning contract',
  runtime_state: 'snapshot anomalies point to lag, gating, adapter failures, or stalled execution state',
  product_artifacts: "product artifacts explain downstream consequences, read after the runtime's intent and state",
};

/** The runbook's "first artifact focus" per product surface. */
export const PRODUCT_FOCUS = {
  'byteor-edgeplane': 'adapter snapshot entries: transport, connection_state, message_count, lag, recent_failures',
  'byteor-actiongraph': 'policy audit plus approval verification outcome for http_post:* and exec:* stages',
  'byteor-dataguard': 'DataGuard kv/v1 report fields under schema.*, policy.*, and counts.*',
} as const;
