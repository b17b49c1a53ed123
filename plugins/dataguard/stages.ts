import type { StageContext, StageFamily, StageHandler } from '../../kernel/plugin-contract.ts';
import { DataguardEngine } from './engine.ts';
import { resolveRunContract } from './run-contract.ts';
import { DG_CHECK, DG_FUSED, DG_REDACT, type DataguardRole } from './spec-rules.ts';
import { createStageCounters } from './stage-counters.ts';

/**
 * The three DataGuard stage families. Each handler is built inside its stage worker from the run
 * flags (`ctx.flags`): it loads the registry and binds the rules itself, then works on the reused
 * RecordBatch in place (engine.ts).
 */

export function createDataguardHandler(role: DataguardRole, ctx: StageContext): StageHandler {
  const { config, contract, rules } = resolveRunContract(ctx.flags);
  const redacting = role !== 'check';
  const counters = createStageCounters(
    (n) => ctx.counter(n),
    redacting ? rules.length : 0,
    config.costSampling !== undefined,
  );
  const engine = new DataguardEngine({
    role,
    mode: config.mode,
    framing: config.framing,
    contract,
    rules: redacting ? rules : [],
    slotBytes: ctx.slotBytes,
    counters,
    costSampling: config.costSampling,
  });
  return { onBatch: (b) => engine.onBatch(b) };
}

const family = (key: string, role: DataguardRole, summary: string): StageFamily => ({
  key,
  summary,
  policyClass: 'pure',
  replay: 'supported',
  create: (ctx) => createDataguardHandler(role, ctx),
});

export const DATAGUARD_STAGE_FAMILIES: readonly StageFamily[] = [
  family(
    DG_CHECK,
    'check',
    'DataGuard: accept records that match the registry schema, drop the rest (counted by reason)',
  ),
  family(
    DG_REDACT,
    'redact',
    'DataGuard: apply the --rule redaction policy to schema-valid records, deterministically',
  ),
  family(DG_FUSED, 'fused', 'DataGuard: check and redact in one pass with one decode'),
];
