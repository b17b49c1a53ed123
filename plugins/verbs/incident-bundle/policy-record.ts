import { findApprovalCredential, verifyApprovalMaterial } from '../../../kernel/approval/material.ts';
import type { PolicyAuditApproval, PolicyAuditRecordV1 } from '../../../kernel/artifacts/policy-audit.ts';
import { ByteorError } from '../../../kernel/errors.ts';
import type { PluginCatalog } from '../../../kernel/plugin-contract.ts';
import { policyAuditRecordForSpec } from '../../../kernel/policy/audit-record.ts';
import { policyForEnvironment } from '../../../kernel/policy/engine.ts';
import type { Environment } from '../../../kernel/policy/environment.ts';
import { requiredCapabilities, specActions } from '../../../kernel/policy/spec-actions.ts';
import type { PipelineSpecV1 } from '../../../kernel/spec/model.ts';

/**
 * The bundle's `policy_audit.json`: what the policy would decide for a run of this spec in this
 * environment (`enforced: false`, mode `execute`), and what the approval next to the spec (if
 * any) verifies to. The record the gate actually enforced during the run is a product artifact
 * (ActionGraph's `run_policy_audit.json`).
 */
export function bundlePolicyRecord(opts: {
  specPath: string;
  parsed: { spec: PipelineSpecV1; hash: string } | { error: string };
  environment: Environment;
  env: Readonly<Record<string, string | undefined>>;
  catalog: Pick<PluginCatalog, 'resolveStage'>;
}): PolicyAuditRecordV1 {
  const policy = policyForEnvironment(opts.environment, opts.env);
  if (!('spec' in opts.parsed)) {
    return policyAuditRecordForSpec({
      specPath: opts.specPath,
      parsed: opts.parsed,
      mode: 'execute',
      enforced: false,
      policy,
    });
  }
  const { spec, hash } = opts.parsed;
  const ctx = { policy, mode: 'run' as const, dryRun: false, approvalPresent: false };
  let actions = specActions(spec, opts.catalog, ctx);
  const required = requiredCapabilities(actions);
  const approval: PolicyAuditApproval = {
    required: actions.some((a) => a.decision === 'RequireApproval'),
    provided: false,
    verified: false,
    source: null,
    approval_id: null,
    kid: null,
    error: null,
  };
  try {
    const cred = findApprovalCredential({ specPath: opts.specPath });
    if (cred) {
      approval.provided = true;
      approval.source = cred.source;
      const v = verifyApprovalMaterial(
        { specPath: opts.specPath },
        { specHash: hash, environment: opts.environment, capabilities: required },
      );
      approval.verified = true;
      approval.approval_id = v.payload.approval_id;
      approval.kid = v.payload.kid;
      actions = specActions(spec, opts.catalog, { ...ctx, approvalPresent: true });
    }
  } catch (e) {
    if (!(e instanceof ByteorError)) throw e;
    approval.error = { code: e.code, message: e.message };
  }
  return policyAuditRecordForSpec({
    specPath: opts.specPath,
    parsed: opts.parsed,
    mode: 'execute',
    enforced: false,
    policy,
    actions,
    approval,
  });
}
