import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { APPROVAL_FILE, findApprovalCredential, verifyApprovalMaterial } from '../../kernel/approval/material.ts';
import { writeJsonArtifact } from '../../kernel/artifacts/json.ts';
import {
  POLICY_AUDIT_FILE,
  PolicyAuditRecordV1,
  type PolicyAuditApproval,
} from '../../kernel/artifacts/policy-audit.ts';
import { ByteorError } from '../../kernel/errors.ts';
import { rephrase } from '../../kernel/errors/define-errors.ts';
import type { RunInfo } from '../../kernel/hooks.ts';
import type { FlagValues, PluginHost } from '../../kernel/plugin-contract.ts';
import { flag, flags } from '../../kernel/flags.ts';
import { policyAuditRecordForSpec } from '../../kernel/policy/audit-record.ts';
import { policyForEnvironment, type EnvironmentPolicy } from '../../kernel/policy/engine.ts';
import { Environment, resolveEnvironment, type ResolvedEnvironment } from '../../kernel/policy/environment.ts';
import { requiredCapabilities, specActions, type SpecAction } from '../../kernel/policy/spec-actions.ts';
import { execNotAllowed, EXEC_PREFIX, parseExecCmd } from './exec.ts';
import { HTTP_POST_PREFIX, httpPostNotAllowlisted, httpPostTargetAllowed } from './http-post.ts';
import { readActionSettings, type ActionSettings } from './settings.ts';
import { ActiongraphErrors } from './errors.ts';

/**
 * The run-time policy gate (tapped on `runStarting`, before any worker starts): it resolves the
 * environment, decides every stage with the policy engine, verifies the approval when the
 * environment requires one, checks the action allowlists for the actions that will be performed,
 * and either lets the run start or refuses it (exit 4; a bad setting is exit 2). Its outcome is
 * the policy audit record written to `<run dir>/policy_audit.json`.
 */

/** Flags this plugin adds to the `run` verb. */
export const RUN_POLICY_FLAGS = flags({
  env: flag.string({
    value: 'dev|staging|prod',
    description: 'environment posture for the side-effect policy (default: BYTEOR_ENV, else prod)',
    schema: Environment.optional(),
  }),
  approval: flag.string({
    value: 'PATH|TOKEN',
    description: `approval credential (default: ${APPROVAL_FILE} next to the spec)`,
  }),
  'approval-key-set': flag.string({
    value: 'PATH',
    description: 'trusted approval signing keys (default: signing_keys.json next to the spec)',
  }),
});
export type RunPolicyFlags = FlagValues<typeof RUN_POLICY_FLAGS>;

export interface GateOutcome {
  environment: ResolvedEnvironment;
  policy: EnvironmentPolicy;
  actions: SpecAction[];
  approval: PolicyAuditApproval;
  record: PolicyAuditRecordV1;
  /** set when the run must not start */
  refusal?: ByteorError;
}

function flagString(flags: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

const noApproval = (required: boolean): PolicyAuditApproval => ({
  required,
  provided: false,
  verified: false,
  source: null,
  approval_id: null,
  kid: null,
  error: null,
});

/** Evaluate the policy for a run. Throws only for bad settings (exit 2); a refusal is returned so it can be audited. */
export function evaluateRunPolicy(
  host: Pick<PluginHost, 'resolveStage'>,
  run: RunInfo,
  now: Date | number = Date.now(),
): GateOutcome {
  const environment = resolveEnvironment(flagString(run.flags, 'env'), run.env);
  const policy = policyForEnvironment(environment.environment, run.env);
  const settings = readActionSettings(run.env);
  const base = { policy, mode: 'run' as const, dryRun: run.dryRun };
  let actions = specActions(run.spec, host, { ...base, approvalPresent: false });
  const capabilities = requiredCapabilities(actions);
  const required = actions.some((a) => a.decision === 'RequireApproval');
  const approvalFlags = {
    approval: flagString(run.flags, 'approval'),
    approvalKeySet: flagString(run.flags, 'approval-key-set'),
    specPath: run.specPath,
  };
  let approval = noApproval(required);
  let refusal: ByteorError | undefined;

  const denied = actions.filter((a) => a.decision === 'Deny');
  if (denied.length > 0) {
    refusal = ActiongraphErrors.error(
      'BYTEOR_E_POLICY_DENIED',
      `environment "${environment.environment}" denies side effects (side-effect policy ${policy.side_effects}` +
        `); refused: ${denied.map((a) => a.key).join(', ')}. ` +
        'Run with --dry-run to record them without performing them, or change BYTEOR_SIDE_EFFECTS_POLICY',
      { environment: environment.environment, denied: denied.map((a) => a.key) },
    );
  } else if (required) {
    const found = findApprovalCredential(approvalFlags);
    if (!found) {
      const where = approvalFlags.specPath
        ? `${join(dirname(resolve(approvalFlags.specPath)), APPROVAL_FILE)}`
        : `${APPROVAL_FILE} next to the spec`;
      refusal = ActiongraphErrors.error(
        'BYTEOR_E_POLICY_APPROVAL_REQUIRED',
        `environment "${environment.environment}" (${describeSource(environment)}) requires an approval for ` +
          `this spec's side effects, and none was found (--approval=PATH, or ${where}). ` +
          `A credential for this run must carry the capabilities: ${capabilities.join(', ')}. ` +
          'Mint one with "byteor approval sign", or rehearse with --dry-run (side effects recorded, not performed)',
        { environment: environment.environment, capabilities, spec_hash: run.specHash },
      );
    } else {
      try {
        const verified = verifyApprovalMaterial(approvalFlags, {
          specHash: run.specHash,
          environment: environment.environment,
          capabilities,
          now,
        });
        approval = {
          required,
          provided: true,
          verified: true,
          source: verified.credentialSource,
          approval_id: verified.payload.approval_id,
          kid: verified.payload.kid,
          error: null,
        };
        actions = specActions(run.spec, host, { ...base, approvalPresent: true });
      } catch (e) {
        if (!(e instanceof ByteorError)) throw e;
        approval = {
          ...noApproval(required),
          provided: true,
          source: found.source,
          error: { code: e.code, message: e.message },
        };
        refusal = rephrase(
          e,
          `${e.message}. A credential for this run must carry the capabilities: ${capabilities.join(', ')}`,
          { ...(e.details ?? {}), environment: environment.environment, capabilities, spec_hash: run.specHash },
        );
      }
    }
  } else {
    try {
      const found = findApprovalCredential(approvalFlags);
      if (found) approval = { ...approval, provided: true, source: found.source };
    } catch {
      /* not needed for this run: an unusable --approval is only recorded as absent */
    }
  }

  refusal ??= allowlistRefusal(actions, settings);

  const wait = flagString(run.flags, 'wait');
  const record = policyAuditRecordForSpec({
    specPath: run.specPath ?? '',
    parsed: { spec: run.spec, hash: run.specHash },
    mode: run.dryRun ? 'dry_run' : 'execute',
    enforced: true,
    ...(wait !== undefined ? { wait } : {}),
    policy,
    actions,
    approval,
  });
  return { environment, policy, actions, approval, record, ...(refusal ? { refusal } : {}) };
}

function describeSource(e: ResolvedEnvironment): string {
  return e.source === 'flag'
    ? 'from --env'
    : e.source === 'BYTEOR_ENV'
      ? 'from BYTEOR_ENV'
      : 'the default; set --env or BYTEOR_ENV';
}

/** The allowlists apply to actions that will be performed; a dry run performs none. */
function allowlistRefusal(actions: readonly SpecAction[], settings: ActionSettings): ByteorError | undefined {
  for (const a of actions) {
    if (a.decision !== 'Allow' || a.policy_class !== 'side_effect') continue;
    if (a.key.startsWith(HTTP_POST_PREFIX) && !httpPostTargetAllowed(a.target, settings.httpPostAllowlist))
      return httpPostNotAllowlisted(a.key, a.target);
    if (a.key.startsWith(EXEC_PREFIX)) {
      const cmd = parseExecCmd(a.target);
      if ('error' in cmd) continue; // validation reports it
      if (settings.execAllowlist === null || !settings.execAllowlist.includes(cmd.program))
        return execNotAllowed(a.key, cmd.program, settings.execAllowlist);
    }
  }
  return undefined;
}

/** Write the record into the run directory when there is one. */
export function writePolicyAudit(runDir: string | null, record: PolicyAuditRecordV1): string | null {
  if (!runDir) return null;
  try {
    if (!statSync(runDir).isDirectory()) return null;
  } catch {
    return null;
  }
  const path = join(runDir, POLICY_AUDIT_FILE);
  writeJsonArtifact(path, PolicyAuditRecordV1, record);
  return path;
}

export function hasPolicyAudit(runDir: string): boolean {
  return existsSync(join(runDir, POLICY_AUDIT_FILE));
}
