import type { Diagnostic, PipelineSpecV1 } from '../../kernel/spec/model.ts';

/**
 * Where DataGuard stages may sit in a spec (checked by the `validateSpec` tap, so `validate`
 * and `run` refuse a bad composition before anything runs):
 * - SingleRing only;
 * - at most one stage of each DataGuard key, and `dataguard_fused` alone (it already does both);
 * - with both `dataguard_check` and `dataguard_redact`, the redact stage depends directly on the
 *   check stage, so it sees exactly the records the check accepted (this is what makes the
 *   report's counts add up across the two stages).
 */

export const DG_CHECK = 'dataguard_check';
export const DG_REDACT = 'dataguard_redact';
export const DG_FUSED = 'dataguard_fused';
export const DATAGUARD_KEYS: readonly string[] = [DG_CHECK, DG_REDACT, DG_FUSED];

export type DataguardRole = 'check' | 'redact' | 'fused';
export const roleOfKey = (key: string): DataguardRole | undefined =>
  key === DG_CHECK ? 'check' : key === DG_REDACT ? 'redact' : key === DG_FUSED ? 'fused' : undefined;

export interface DataguardStageRef {
  index: number;
  key: string;
  role: DataguardRole;
}

/** The DataGuard stages of a SingleRing spec, in stage order (empty for LaneGraph). */
export function dataguardStagesOf(spec: PipelineSpecV1): DataguardStageRef[] {
  if (spec.model !== 'single_ring') return [];
  const out: DataguardStageRef[] = [];
  spec.single_ring.stages.forEach((s, index) => {
    const role = roleOfKey(s.key);
    if (role) out.push({ index, key: s.key, role });
  });
  return out;
}

export function checkDataguardStages(spec: PipelineSpecV1): Diagnostic[] {
  const errors: Diagnostic[] = [];
  const code = 'BYTEOR_E_DATAGUARD_STAGES';
  if (spec.model === 'lane_graph') {
    spec.lane_graph.roles.forEach((r, i) => {
      if (r.key && roleOfKey(r.key)) {
        errors.push({
          code,
          key: `lane_graph.roles.${i}.key`,
          message:
            `role "${r.name}" uses ${r.key}, but DataGuard stages run in SingleRing specs only; move the ` +
            `DataGuard stages to a single_ring spec`,
        });
      }
    });
    return errors;
  }
  const stages = dataguardStagesOf(spec);
  const keyOf = (i: number) => `single_ring.stages.${i}.key`;
  const seen = new Map<string, number>();
  for (const s of stages) {
    const prev = seen.get(s.key);
    if (prev !== undefined)
      errors.push({
        code,
        key: keyOf(s.index),
        message:
          `stage ${s.index} repeats ${s.key} (already stage ${prev}); a pipeline has at most one stage of each ` +
          `DataGuard key`,
      });
    else seen.set(s.key, s.index);
  }
  const fused = seen.get(DG_FUSED);
  if (fused !== undefined && (seen.has(DG_CHECK) || seen.has(DG_REDACT))) {
    errors.push({
      code,
      key: keyOf(fused),
      message:
        `stage ${fused} is ${DG_FUSED}, which already checks and redacts; remove the separate ${DG_CHECK}/` +
        `${DG_REDACT} stages`,
    });
  }
  const check = seen.get(DG_CHECK);
  const redact = seen.get(DG_REDACT);
  if (check !== undefined && redact !== undefined) {
    const deps = spec.single_ring.stages[redact]!.depends_on;
    if (!deps.includes(check)) {
      errors.push({
        code,
        key: `single_ring.stages.${redact}.depends_on`,
        message:
          `stage ${redact} (${DG_REDACT}) must depend directly on stage ${check} (${DG_CHECK}) so that it redacts ` +
          `exactly the records the check accepted; add ${check} to its depends_on`,
      });
    }
  }
  return errors;
}
