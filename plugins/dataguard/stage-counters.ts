import type { StageCounter } from '../../kernel/plugin-contract.ts';

/**
 * The named counters every DataGuard stage keeps (StageContext.counter, shared memory). The
 * report aggregates them per stage from RunSummary.counters (report-counts.ts).
 */

/** Reasons a stage rejects (drops) a record; they sum to `rejected`. */
export const REJECT_REASONS = [
  'decode_err',
  'codec_mismatch',
  'schema_missing',
  'schema_incompatible',
  'redact_overflow',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const BASE_COUNTERS = [
  'seen',
  'accepted',
  'rejected',
  ...REJECT_REASONS,
  'out_drop',
  'out_forward_input',
  'out_forward_output',
  'redact_noop',
  'redact_applied',
] as const;
export type BaseCounter = (typeof BASE_COUNTERS)[number];

export const COST_COUNTERS = ['cost.samples', 'cost.decode_ns', 'cost.total_ns'] as const;

export const ruleCounterName = (i: number): string => `rule.${i}.applied`;

/**
 * The most rules a policy may hold: each adds one counter to the stage worker's counter block
 * (32 per stage in the SingleRing executor, 2 of them its own): 13 base + 3 cost + 12 rules = 28.
 */
export const MAX_RULES = 12;

export interface DataguardStageCounters {
  base: Record<BaseCounter, StageCounter>;
  rules: StageCounter[];
  cost: { samples: StageCounter; decodeNs: StageCounter; totalNs: StageCounter } | undefined;
}

export function createStageCounters(
  counter: (name: string) => StageCounter,
  rules: number,
  cost: boolean,
): DataguardStageCounters {
  const base = Object.fromEntries(BASE_COUNTERS.map((n) => [n, counter(n)])) as Record<BaseCounter, StageCounter>;
  return {
    base,
    rules: Array.from({ length: rules }, (_, i) => counter(ruleCounterName(i))),
    cost: cost
      ? { samples: counter('cost.samples'), decodeNs: counter('cost.decode_ns'), totalNs: counter('cost.total_ns') }
      : undefined,
  };
}
