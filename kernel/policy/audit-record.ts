import {
  PolicyAuditRecordV1,
  type PolicyAuditApproval,
  type PolicyAuditSpecSummary,
} from '../artifacts/policy-audit.ts';
import type { PipelineSpecV1 } from '../spec/model.ts';
import { packageVersion, RUNTIME_NAME } from '../version.ts';
import type { EnvironmentPolicy } from './engine.ts';
import { overallDecision, requiredCapabilities, type SpecAction } from './spec-actions.ts';

/** The runtime's own identity for `runtime_crate` (this package's name and version). */
export function runtimeCrate(): { name: string; version: string } {
  return { name: RUNTIME_NAME, version: packageVersion() };
}

export interface PolicyAuditInput {
  specPath: string;
  /** the parsed spec and its `sha256:` hash, or why it could not be parsed */
  parsed: { spec: PipelineSpecV1; hash: string } | { error: string };
  /** `execute` or `dry_run` */
  mode: 'execute' | 'dry_run';
  /** true when a gate enforced these decisions on a run; false for a record computed from a spec */
  enforced: boolean;
  lanePath?: string | null;
  /** the wait strategy in force (defaults to the spec's) */
  wait?: string | null;
  policy?: EnvironmentPolicy;
  /** from `specActions(spec, host, ctx)` */
  actions?: readonly SpecAction[];
  approval?: PolicyAuditApproval;
  runtime?: { name: string; version: string };
}

export function specSummary(spec: PipelineSpecV1, hash: string): PolicyAuditSpecSummary {
  if (spec.model === 'single_ring') {
    const r = spec.single_ring;
    return {
      model: 'SingleRing',
      name: spec.name,
      spec_hash: hash,
      shards: r.shards,
      ordering: r.ordering,
      capacity: r.capacity,
      slot_bytes: r.slot_bytes,
      wait: r.wait,
      stages: r.stages.map((s, index) => ({ index, key: s.key, depends_on: [...s.depends_on] })),
    };
  }
  const g = spec.lane_graph;
  return {
    model: 'LaneGraph',
    name: spec.name,
    spec_hash: hash,
    on_full: g.on_full,
    wait: g.wait,
    lanes: g.lanes.map((l) => ({ name: l.name, kind: l.kind, capacity: l.capacity })),
    roles: g.roles.map((r) => ({
      name: r.name,
      kind: r.kind,
      key: r.key ?? null,
      inputs: [...r.inputs],
      outputs: [...r.outputs],
    })),
  };
}

/**
 * Build ByteOr's policy audit record v1 for a spec (`policy_audit_record_for_spec`). The run-time
 * gate (actiongraph) passes its decisions and the approval outcome; the incident-bundle verb
 * passes the spec alone (or its parse error) and gets `enforced: false`.
 */
export function policyAuditRecordForSpec(input: PolicyAuditInput): PolicyAuditRecordV1 {
  const ok = 'spec' in input.parsed;
  const specWait = ok ? waitOf((input.parsed as { spec: PipelineSpecV1 }).spec) : null;
  const record: Record<string, unknown> = {
    ok,
    policy_version: 1,
    mode: input.mode,
    enforced: input.enforced,
    stage_failure_policy: 'stop_pipeline',
    spec_path: input.specPath,
    lane_path: input.lanePath ?? null,
    wait: input.wait !== undefined ? input.wait : specWait,
    runtime_crate: input.runtime ?? runtimeCrate(),
  };
  if ('spec' in input.parsed) record.spec = specSummary(input.parsed.spec, input.parsed.hash);
  else record.error = input.parsed.error;
  if (input.policy) {
    record.environment = input.policy.environment;
    record.policy = { side_effects: input.policy.side_effects, replay: input.policy.replay };
  }
  if (input.actions) {
    record.decision = overallDecision(input.actions);
    record.required_capabilities = requiredCapabilities(input.actions);
  }
  if (input.approval) record.approval = input.approval;
  if (input.actions) {
    record.actions = input.actions.map((a) => ({
      stage: a.stage,
      role: a.role,
      key: a.key,
      action: a.action,
      target: a.target,
      policy_class: a.policy_class,
      replay: a.replay,
      capabilities: [...a.capabilities],
      decision: a.decision,
    }));
  }
  return PolicyAuditRecordV1.parse(record);
}

function waitOf(spec: PipelineSpecV1): string {
  return spec.model === 'single_ring' ? spec.single_ring.wait : spec.lane_graph.wait;
}
