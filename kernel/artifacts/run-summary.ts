import { z } from 'zod';
import { LaneGraphCounts } from './lane-graph-state.ts';

/**
 * The summary of a finished run: what `run --json` prints, what `runStopped` taps receive
 * (kernel/hooks.ts) and what replay and the product reports count from. Counts are whole records.
 */

const Count = z.number().int().nonnegative();

/** The named counters of one stage worker (StageContext.counter), read from shared memory. */
export const StageCounters = z.object({
  stage: Count,
  shard: Count,
  key: z.string(),
  values: z.record(z.string(), z.number()),
});
export type StageCounters = z.output<typeof StageCounters>;

export const RunSummary = z.object({
  /** every record the source handed over (refused ones included) */
  records_in: Count,
  records_out: Count,
  dropped: Count,
  refused: Count,
  /**
   * records accepted but not delivered (a failed or timed-out run): records_in = records_out +
   * dropped + refused + undelivered. Where they are is in `error.message` (journal positions).
   * LaneGraph with fan-out counts the copies still in lanes (docs/lanegraph.md).
   */
  undelivered: z.number().int(),
  elapsed_ms: z.number().nonnegative(),
  ok: z.boolean(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      stage: z.string().optional(),
      sequence: z.number().int().optional(),
    })
    .optional(),
  /** per-stage named counters at the end of the run */
  counters: z.array(StageCounters),
  /** LaneGraph runs: every lane, role and endpoint at the end of the run (docs/lanegraph.md) */
  lane_graph: LaneGraphCounts.optional(),
});
export type RunSummary = z.output<typeof RunSummary>;
