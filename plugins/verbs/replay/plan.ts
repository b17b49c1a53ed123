import {
  verifyApprovalMaterial,
  type ApprovalFlags,
  type VerifiedApproval,
} from '../../../kernel/approval/material.ts';
import type { ReplayAuditAction } from '../../../kernel/artifacts/replay-audit.ts';
import { ByteorError } from '../../../kernel/errors.ts';
import { rephrase, type ErrorCodeOf } from '../../../kernel/errors/define-errors.ts';
import type { PluginHost } from '../../../kernel/plugin-contract.ts';
import { policyForEnvironment, type EnvironmentPolicy } from '../../../kernel/policy/engine.ts';
import type { Environment } from '../../../kernel/policy/environment.ts';
import { requiredCapabilities, specActions, type SpecAction } from '../../../kernel/policy/spec-actions.ts';
import type { PipelineSpecV1 } from '../../../kernel/spec/model.ts';
import { ReplayErrors } from './errors.ts';

/**
 * The policy side of a replay, decided before anything runs (ByteOr: "the backend validates
 * environment posture, version resolution and approval coverage before anything runs"):
 * every stage is decided by the policy engine in `replay` mode; a Deny refuses the replay;
 * `execute` is refused when the posture allows only a dry run, and needs a verified approval
 * (bound to the bundle's spec hash and this environment) when an action requires one.
 */
export interface ReplayPlan {
  policy: EnvironmentPolicy;
  actions: SpecAction[];
  approval: VerifiedApproval | null;
  /** set when the replay must not run (exit 4, or 6 for an unreadable key set) */
  refusal: ByteorError | null;
}

export function planReplay(opts: {
  spec: PipelineSpecV1;
  specHash: string;
  kernel: Pick<PluginHost, 'resolveStage'>;
  mode: 'dry_run' | 'execute';
  environment: Environment;
  env: Readonly<Record<string, string | undefined>>;
  approvalFlags: ApprovalFlags;
  now?: number;
}): ReplayPlan {
  const policy = policyForEnvironment(opts.environment, opts.env);
  const ctx = { policy, mode: 'replay' as const, dryRun: opts.mode === 'dry_run', approvalPresent: false };
  let actions = specActions(opts.spec, opts.kernel, ctx);
  const deny = (code: ErrorCodeOf<typeof ReplayErrors>, message: string, details: Record<string, unknown>) =>
    ReplayErrors.error(code, message, { environment: opts.environment, ...details });

  const denied = actions.filter((a) => a.decision === 'Deny');
  if (denied.length > 0) {
    const why =
      policy.replay === 'disabled'
        ? `environment "${opts.environment}" disables replay (replay policy disabled; BYTEOR_REPLAY_POLICY)`
        : `these stages do not support replay: ${denied.map((a) => a.key).join(', ')}`;
    return {
      policy,
      actions,
      approval: null,
      refusal: deny('BYTEOR_E_REPLAY_DENIED', `replay refused: ${why}`, { denied: denied.map((a) => a.key) }),
    };
  }
  if (opts.mode === 'dry_run') return { policy, actions, approval: null, refusal: null };

  const dryOnly = actions.filter((a) => a.decision === 'DryRunOnly');
  if (dryOnly.length > 0) {
    return {
      policy,
      actions,
      approval: null,
      refusal: deny(
        'BYTEOR_E_REPLAY_EXECUTE_NOT_ALLOWED',
        `execute replay refused: in environment "${opts.environment}" (replay policy ${policy.replay}) these ` +
          `stages may only be replayed as a dry run: ${dryOnly.map((a) => a.key).join(', ')}; use --mode=dry_run`,
        { dry_run_only: dryOnly.map((a) => a.key) },
      ),
    };
  }
  if (!actions.some((a) => a.decision === 'RequireApproval')) return { policy, actions, approval: null, refusal: null };

  const capabilities = requiredCapabilities(actions);
  try {
    const approval = verifyApprovalMaterial(opts.approvalFlags, {
      specHash: opts.specHash,
      environment: opts.environment,
      capabilities,
      now: opts.now,
    });
    actions = specActions(opts.spec, opts.kernel, { ...ctx, approvalPresent: true });
    return { policy, actions, approval, refusal: null };
  } catch (e) {
    if (!(e instanceof ByteorError)) throw e;
    return {
      policy,
      actions,
      approval: null,
      refusal: rephrase(e, `execute replay refused: ${e.message}`, {
        ...(e.details ?? {}),
        environment: opts.environment,
        capabilities,
        spec_hash: opts.specHash,
      }),
    };
  }
}

/** ByteOr's replay audit actions: one per stage, with the decision that applied. */
export function auditActions(spec: PipelineSpecV1, actions: readonly SpecAction[]): ReplayAuditAction[] {
  const ring = spec.model === 'single_ring';
  return actions.map((a) => ({
    action: a.action,
    role: a.role,
    input_lane: ring ? 'ring' : a.input_lanes.join(','),
    output_lane: ring ? 'ring' : a.output_lanes.join(','),
    stage: a.stage,
    target: a.target,
    decision: a.decision,
  }));
}
