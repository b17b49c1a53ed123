import type { StageCounters } from '../../kernel/hooks.ts';
import type { DataguardConfig } from './run-flags.ts';
import type { SchemaContract } from './registry.ts';
import { policyDigest, type BoundRule } from './rules.ts';
import { REJECT_REASONS } from './stage-counters.ts';
import type { DataguardStageRef } from './spec-rules.ts';
import type { DataguardReport } from './report.ts';

/**
 * Build the report from the run's per-stage counters (RunSummary.counters, read on the main
 * thread after the workers stopped). Shards of one stage are summed. Across the DataGuard stages
 * (stage order; a redact stage depends directly on its check stage):
 *   seen        = seen of the first DataGuard stage
 *   accepted    = accepted of the last DataGuard stage (and its out_forward_*)
 *   rejected    = sum of every DataGuard stage's rejections (and each reason, and out_drop)
 *   unfinished  = records an earlier DataGuard stage accepted that the next never saw (only a run
 *                 stopped by a failure leaves any)
 *   redact_*, rule counts = the redacting stage's (there is at most one)
 *   cost.*      = summed over stages; avg_record_ns sums each stage's average
 */

export interface ReportInput {
  specHash: string;
  runOk: boolean;
  stages: readonly DataguardStageRef[];
  counters: readonly StageCounters[];
  config: DataguardConfig;
  contract: SchemaContract;
  rules: readonly BoundRule[];
}

type Totals = Map<string, number>;

function stageTotals(counters: readonly StageCounters[], stage: number): Totals {
  const t: Totals = new Map();
  for (const c of counters) {
    if (c.stage !== stage) continue;
    for (const [k, v] of Object.entries(c.values)) t.set(k, (t.get(k) ?? 0) + v);
  }
  return t;
}

export function buildReport(i: ReportInput): DataguardReport {
  const per = i.stages.map((s) => ({ ref: s, t: stageTotals(i.counters, s.index) }));
  const get = (t: Totals, k: string) => t.get(k) ?? 0;
  const sum = (k: string) => per.reduce((a, p) => a + get(p.t, k), 0);
  const first = per[0]!.t;
  const last = per[per.length - 1]!.t;
  let unfinished = 0;
  for (let k = 1; k < per.length; k++)
    unfinished += Math.max(0, get(per[k - 1]!.t, 'accepted') - get(per[k]!.t, 'seen'));
  const redactor = per.find((p) => p.ref.role !== 'check');
  const rt = redactor?.t ?? new Map<string, number>();

  const counts: DataguardReport['counts'] = {
    seen: get(first, 'seen'),
    accepted: get(last, 'accepted'),
    rejected: sum('rejected'),
    decode_err: 0,
    codec_mismatch: 0,
    schema_missing: 0,
    schema_incompatible: 0,
    redact_overflow: 0,
    unfinished,
    out_drop: sum('out_drop'),
    out_forward_input: get(last, 'out_forward_input'),
    out_forward_output: get(last, 'out_forward_output'),
    redact_noop: get(rt, 'redact_noop'),
    redact_applied: get(rt, 'redact_applied'),
    rule_applied: i.rules.map((r) => get(rt, `rule.${r.index}.applied`)),
  };
  for (const reason of REJECT_REASONS) counts[reason] = sum(reason);

  let cost: DataguardReport['cost'];
  if (i.config.costSampling !== undefined) {
    let avgRecord = 0;
    let avgDecode = 0;
    for (const p of per) {
      const n = get(p.t, 'cost.samples');
      if (n > 0) {
        avgRecord += get(p.t, 'cost.total_ns') / n;
        avgDecode += get(p.t, 'cost.decode_ns') / n;
      }
    }
    cost = {
      sample_every: i.config.costSampling,
      samples: sum('cost.samples'),
      decode_ns: sum('cost.decode_ns'),
      total_ns: sum('cost.total_ns'),
      avg_record_ns: Math.round(avgRecord),
      avg_decode_ns: Math.round(avgDecode),
    };
  }

  return {
    report: {
      family: 'dataguard',
      version: 1,
      spec_hash: i.specHash,
      stages: i.stages.map((s) => s.key as 'dataguard_check' | 'dataguard_redact' | 'dataguard_fused'),
      run_ok: i.runOk,
    },
    schema: {
      registry_root: i.contract.registryRoot,
      schema_id: i.contract.schemaId,
      msg_type: i.contract.msgType,
      required_version: i.contract.requiredVersion,
      family_name: i.contract.familyName,
      msg_name: i.contract.msgName,
      versions: i.contract.versions.map((v) => v.version),
      mode: i.config.mode,
      framing: i.config.framing,
    },
    policy: {
      active: i.rules.length > 0 && redactor !== undefined,
      rules: i.rules.map((r) => r.canonical),
      digest: policyDigest(i.rules),
    },
    counts,
    ...(cost ? { cost } : {}),
  };
}
