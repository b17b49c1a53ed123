import type { PluginHost, PolicyClass, ReplaySupport } from '../plugin-contract.ts';
import type { PipelineSpecV1 } from '../spec/model.ts';
import { decideAction, type Decision, type DecisionContext } from './engine.ts';

/**
 * Every stage of a spec as a policy action: its family's declarations, the capabilities an
 * approval must carry for it, and the engine's decision. Used by the run-time policy gate, by
 * `policy_audit.json` and by the replay audit (`actions[]`).
 */
export interface SpecAction {
  /** SingleRing: the stage index as text; LaneGraph: the role name */
  stage: string;
  /** LaneGraph role name; SingleRing `stage-<i>` */
  role: string;
  /** the full stage key, e.g. `http_post:https://hooks.example/x` */
  key: string;
  /** the family: its prefix without the colon (`http_post`) or its exact key (`identity`) */
  action: string;
  /** the part of the key after the family prefix ('' for exact keys) */
  target: string;
  /** the plugin that provides the family ('' when the key does not resolve) */
  plugin: string;
  input_lanes: string[];
  output_lanes: string[];
  policy_class: PolicyClass;
  replay: ReplaySupport;
  /** capabilities an approval credential must carry before this action may run with side effects */
  capabilities: string[];
  decision: Decision;
}

interface StageRef {
  stage: string;
  role: string;
  key: string;
  inputs: string[];
  outputs: string[];
}

function stageRefs(spec: PipelineSpecV1): StageRef[] {
  if (spec.model === 'single_ring') {
    return spec.single_ring.stages.map((s, i) => ({
      stage: String(i),
      role: `stage-${i}`,
      key: s.key,
      inputs: [],
      outputs: [],
    }));
  }
  return spec.lane_graph.roles
    .filter((r) => r.kind === 'stage' && r.key !== undefined)
    .map((r) => ({ stage: r.name, role: r.name, key: r.key!, inputs: [...r.inputs], outputs: [...r.outputs] }));
}

/**
 * Classify and decide every stage of the spec. A key that no loaded plugin resolves is treated
 * as side-effecting and never replayable (fail closed): validation refuses such specs anyway,
 * but the policy never guesses that an unknown stage is harmless.
 */
export function specActions(
  spec: PipelineSpecV1,
  host: Pick<PluginHost, 'resolveStage'>,
  ctx: DecisionContext,
): SpecAction[] {
  return stageRefs(spec).map((ref) => {
    const resolved = host.resolveStage(ref.key);
    const family = resolved?.family;
    const policyClass: PolicyClass = family?.policyClass ?? 'side_effect';
    const replay: ReplaySupport = family?.replay ?? 'unsupported';
    const target = resolved?.argument ?? '';
    const action = family ? (family.key ?? family.prefix!.replace(/:$/, '')) : ref.key.split(':')[0]!;
    const capabilities =
      policyClass === 'side_effect' ? (family?.capabilities ? family.capabilities(ref.key, target) : [ref.key]) : [];
    return {
      stage: ref.stage,
      role: ref.role,
      key: ref.key,
      action,
      target,
      plugin: resolved?.plugin ?? '',
      input_lanes: ref.inputs,
      output_lanes: ref.outputs,
      policy_class: policyClass,
      replay,
      capabilities,
      decision: decideAction({ policyClass, replay }, ctx),
    };
  });
}

/** The capabilities a credential must carry for the side-effecting actions, sorted and unique. */
export function requiredCapabilities(actions: readonly SpecAction[]): string[] {
  return [...new Set(actions.flatMap((a) => a.capabilities))].sort();
}

/** The decision that governs the whole run: the most restrictive of its actions. */
export function overallDecision(actions: readonly SpecAction[]): Decision {
  const rank: Record<Decision, number> = { Allow: 0, DryRunOnly: 1, RequireApproval: 2, Deny: 3 };
  let worst: Decision = 'Allow';
  for (const a of actions) if (rank[a.decision] > rank[worst]) worst = a.decision;
  return worst;
}
