import { z } from 'zod';
import type { PolicyClass, ReplaySupport } from '../plugin-contract.ts';
import { Environment } from './environment.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/**
 * The policy engine (ByteOr's `byteor-policy`): given the environment's policy, whether this is a
 * run or a replay, the dry-run flag and whether a verified approval is present, it decides every
 * action: `Allow`, `DryRunOnly`, `RequireApproval` or `Deny`. It never looks at credentials
 * itself: callers set `approvalPresent` only after `verifyApprovalCredential` succeeded.
 */

export const Decision = z.enum(['Allow', 'DryRunOnly', 'RequireApproval', 'Deny']);
export type Decision = z.infer<typeof Decision>;

/** What side-effecting actions may do in an environment. */
export const SideEffectsPolicy = z.enum(['deny_all', 'allow_all', 'require_approval']);
export type SideEffectsPolicy = z.infer<typeof SideEffectsPolicy>;

/** The replay posture of an environment. */
export const ReplayPolicy = z.enum(['disabled', 'dry_run_only', 'allowed']);
export type ReplayPolicy = z.infer<typeof ReplayPolicy>;

export const EnvironmentPolicy = z.object({
  environment: Environment,
  side_effects: SideEffectsPolicy,
  replay: ReplayPolicy,
});
export type EnvironmentPolicy = z.infer<typeof EnvironmentPolicy>;

/** ByteOr's safe defaults: dev may perform side effects, staging and prod need an approval. */
export const DEFAULT_POLICIES: Readonly<Record<Environment, EnvironmentPolicy>> = Object.freeze({
  dev: { environment: 'dev', side_effects: 'allow_all', replay: 'allowed' },
  staging: { environment: 'staging', side_effects: 'require_approval', replay: 'allowed' },
  prod: { environment: 'prod', side_effects: 'require_approval', replay: 'allowed' },
});

export const ENV_VAR_SIDE_EFFECTS_POLICY = 'BYTEOR_SIDE_EFFECTS_POLICY';
export const ENV_VAR_REPLAY_POLICY = 'BYTEOR_REPLAY_POLICY';

/**
 * The policy in force for an environment: the default, with the operator's overrides from
 * `BYTEOR_SIDE_EFFECTS_POLICY` and `BYTEOR_REPLAY_POLICY` (a bad value is a usage error, exit 2).
 */
export function policyForEnvironment(
  environment: Environment,
  env: Readonly<Record<string, string | undefined>> = {},
): EnvironmentPolicy {
  const base = DEFAULT_POLICIES[environment];
  return {
    environment,
    side_effects:
      override(SideEffectsPolicy, env[ENV_VAR_SIDE_EFFECTS_POLICY], ENV_VAR_SIDE_EFFECTS_POLICY) ?? base.side_effects,
    replay: override(ReplayPolicy, env[ENV_VAR_REPLAY_POLICY], ENV_VAR_REPLAY_POLICY) ?? base.replay,
  };
}

function override<T extends string>(schema: z.ZodType<T>, value: string | undefined, name: string): T | undefined {
  if (value === undefined || value === '') return undefined;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const allowed = (schema as unknown as z.ZodEnum).options.join(', ');
  throw KernelErrors.error(
    'BYTEOR_E_POLICY_BAD_SETTING',
    `${name}=${JSON.stringify(value)} is not valid; use one of ${allowed}`,
    { name, value },
  );
}

/** One action as the engine sees it: the stage family's declarations. */
export interface ActionClass {
  policyClass: PolicyClass;
  replay: ReplaySupport;
}

export interface DecisionContext {
  policy: EnvironmentPolicy;
  /** `run` (the pipeline itself) or `replay` (captured input re-run) */
  mode: 'run' | 'replay';
  /** side effects are to be recorded, not performed (`run --dry-run`, `replay --mode=dry_run`) */
  dryRun: boolean;
  /** a credential verified for this spec hash, environment and the action's capabilities */
  approvalPresent: boolean;
}

/**
 * The decision table (docs/policy.md), first match wins:
 * 1. replay while the environment's replay policy is `disabled` → Deny (nothing is replayed);
 * 2. a pure action → Allow;
 * 3. replay of an action whose family does not support replay → Deny;
 * 4. dry run, replay posture `dry_run_only`, or a family that replays only dry → DryRunOnly;
 * 5. side effects `deny_all` → Deny; `allow_all` → Allow;
 *    `require_approval` → Allow with a verified approval, else RequireApproval.
 */
export function decideAction(action: ActionClass, ctx: DecisionContext): Decision {
  const replay = ctx.mode === 'replay';
  if (replay && ctx.policy.replay === 'disabled') return 'Deny';
  if (action.policyClass === 'pure') return 'Allow';
  if (replay && action.replay === 'unsupported') return 'Deny';
  if (ctx.dryRun) return 'DryRunOnly';
  if (replay && (ctx.policy.replay === 'dry_run_only' || action.replay === 'dry_run_only')) return 'DryRunOnly';
  switch (ctx.policy.side_effects) {
    case 'deny_all':
      return 'Deny';
    case 'allow_all':
      return 'Allow';
    case 'require_approval':
      return ctx.approvalPresent ? 'Allow' : 'RequireApproval';
  }
}
