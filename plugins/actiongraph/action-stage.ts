import type { StageContext, StageCounter, StageHandler } from '../../kernel/plugin-contract.ts';
import { recordDryRun } from './batch-actions.ts';
import { withRetries, type AttemptOutcome, type RetryResult } from './retry.ts';
import type { RetrySettings } from './settings.ts';

/**
 * What every side-effecting action stage (http_post, exec) shares: its counters (in this
 * order: ok, failed, retries, timeouts, dry_run, bytes), its dry-run handler, and one record's
 * action attempted with retries and counted. What an action does and what its failure says
 * stay with the stage.
 */
export interface ActionCounters {
  ok: StageCounter;
  failed: StageCounter;
  retries: StageCounter;
  /** attempts that timed out (each attempt counts) */
  timeouts: StageCounter;
  /** records recorded, not performed, in a dry run */
  dryRun: StageCounter;
  /** bytes of the records performed (or recorded in a dry run) */
  bytes: StageCounter;
}

export function actionCounters(ctx: StageContext): ActionCounters {
  return {
    ok: ctx.counter('ok'),
    failed: ctx.counter('failed'),
    retries: ctx.counter('retries'),
    timeouts: ctx.counter('timeouts'),
    dryRun: ctx.counter('dry_run'),
    bytes: ctx.counter('bytes'),
  };
}

/** The handler of a dry run: every live record is recorded (counted with its bytes), none performed. */
export function dryRunHandler(c: ActionCounters): StageHandler {
  return { onBatch: (batch) => recordDryRun(batch, c.dryRun, c.bytes) };
}

/**
 * One record's action: `once` attempted until it succeeds, fails for good or the retries are
 * spent (counting retries and timed-out attempts); then the record is counted ok (with its
 * bytes) or failed. The caller turns a failed outcome into its stage's error.
 */
export async function attemptAction(
  c: ActionCounters,
  retry: RetrySettings,
  bytes: Uint8Array,
  once: () => Promise<AttemptOutcome>,
): Promise<RetryResult> {
  const result = await withRetries(
    async () => {
      const o = await once();
      if (!o.ok && o.timedOut) c.timeouts.add(1);
      return o;
    },
    retry,
    () => c.retries.add(1),
  );
  if (result.outcome.ok) {
    c.ok.add(1);
    c.bytes.add(bytes.length);
  } else c.failed.add(1);
  return result;
}
