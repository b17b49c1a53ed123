import type { InspectReport, InspectStep } from '../../../kernel/artifacts/inspect-report.ts';
import type { BundleView } from './bundle-view.ts';

type NextStep = InspectReport['next_step'];

/**
 * How the walk ends (the runbook's step 5, "Replay from the bundle, not from memory"): fix what
 * blocks first (an invalid spec, a posture that denies replay), recapture when there is nothing
 * to replay, else a dry-run replay; after a clean dry run, execute — only when approval and
 * environment posture are both correct.
 */
export function nextStep(v: BundleView, steps: readonly InspectStep[], stoppedAt: number | null): NextStep {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  if (stoppedAt === 1) {
    return {
      kind: 'fix_spec',
      message:
        'fix the spec first (its errors are listed above), check the fix with byteor validate, then deploy it ' +
        'and export a new bundle when it diverges again',
      command: v.archive ? null : `byteor validate --spec=${q(`${v.dir}/spec.kv`)}`,
    };
  }
  const findings = (name: InspectStep['name']) => steps.find((s) => s.name === name)?.findings ?? [];
  const denied = findings('policy_audit').filter((f) => f.what === 'denied');
  if (denied.length > 0) {
    return {
      kind: 'fix_posture',
      message: `fix the environment posture first: ${denied[0]!.message}; a replay would be refused, dry run included`,
      command: null,
    };
  }
  if (v.manifest.journal_records === 0) {
    return {
      kind: 'recapture',
      command: null,
      message:
        'the bundle holds no journal records, so there is nothing to replay: export a new bundle with ' +
        '--run-dir=DIR of the runtime (its ingress journal)',
    };
  }
  const env = v.policy.status === 'ok' && v.policy.value.environment ? v.policy.value.environment : 'prod';
  const postureWrong =
    findings('policy_audit').some((f) => f.severity === 'anomaly') ||
    findings('environment').some((f) => f.severity === 'anomaly');
  const cleanDryRun = v.replayAudits.some(
    ({ read }) =>
      read.status === 'ok' &&
      read.value.policy.mode === 'dry_run' &&
      read.value.policy.env === env &&
      read.value.result?.ok === true,
  );
  const bundle = q(v.given);
  if (cleanDryRun && !postureWrong) {
    const approval = v.policy.status === 'ok' && v.policy.value.approval?.required ? ' --approval=approval.cred' : '';
    return {
      kind: 'replay_execute',
      message:
        'the dry-run replay went through and approval and environment posture read correct: promote to execute ' +
        "only if the dry run's audit shows what you expect",
      command: `byteor replay --bundle=${bundle} --mode=execute --env=${env}${approval}`,
    };
  }
  const fixFirst = postureWrong
    ? '; fix the anomalies of the policy audit and environment above before any execute'
    : '';
  return {
    kind: 'replay_dry_run',
    message:
      `replay the bundle as a dry run (nothing is performed), then read its replay audit with byteor inspect again` +
      `${fixFirst}`,
    command: `byteor replay --bundle=${bundle} --mode=dry_run --env=${env}`,
  };
}
