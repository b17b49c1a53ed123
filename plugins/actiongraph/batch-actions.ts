import type { RecordBatch, StageCounter } from '../../kernel/plugin-contract.ts';

/**
 * Runs one action per live record of a batch with at most `concurrency` in flight, off the
 * ring's per-message path: the stage's `onBatch` awaits this, so the batch is released downstream
 * (in its original order) only after every action settled. Each record's bytes are copied out of
 * shared memory first, because the action outlives the synchronous part of the call.
 *
 * On the first failure no further action is started; those in flight are awaited, and the
 * failure of the lowest sequence is thrown (stop_pipeline). Actions of records after it in the
 * same batch may already have been performed: side effects are at-least-once, which is why
 * http_post carries an Idempotency-Key.
 */
export async function performBatchActions(
  batch: RecordBatch,
  concurrency: number,
  perform: (bytes: Uint8Array, sequence: number) => Promise<void>,
): Promise<void> {
  const count = batch.count;
  const firstSeq = batch.firstSeq;
  const memory = batch.memory;
  let next = 0;
  const state: { failure?: { sequence: number; error: unknown } } = {};
  const lane = async (): Promise<void> => {
    while (next < count && state.failure === undefined) {
      const i = next++;
      if (!batch.live(i)) continue;
      const off = batch.offset(i);
      const bytes = memory.slice(off, off + batch.length(i));
      const sequence = firstSeq + i;
      try {
        await perform(bytes, sequence);
      } catch (error) {
        const first = state.failure as { sequence: number } | undefined; // another lane may have failed meanwhile
        if (first === undefined || sequence < first.sequence) state.failure = { sequence, error };
      }
    }
  };
  const lanes = Math.min(concurrency, count);
  if (lanes === 1) await lane();
  else {
    const running: Promise<void>[] = [];
    for (let l = 0; l < lanes; l++) running.push(lane());
    await Promise.all(running);
  }
  if (state.failure !== undefined) throw state.failure.error;
}

/**
 * Dry run: every live record of the batch is recorded (counted with its bytes), none performed.
 * Allocation-free: this is the whole per-batch cost of a side-effecting stage in a dry run.
 */
export function recordDryRun(batch: RecordBatch, records: StageCounter, bytes: StageCounter): void {
  let n = 0;
  let total = 0;
  for (let i = 0; i < batch.count; i++) {
    if (batch.live(i)) {
      n++;
      total += batch.length(i);
    }
  }
  records.add(n);
  bytes.add(total);
}
