/**
 * Stage worker entry: one per (shard, stage). Imports the run's plugins by specifier into a
 * worker-side kernel, resolves its stage family, creates the handler, then loops: wait (per
 * the ring's strategy) for slots its dependencies have released, hand them to the handler as
 * one reused RecordBatch, release them. The first handler error aborts the ring
 * (stage_failure_policy stop_pipeline) and is reported with the sequence it failed on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateCore } from '../core/wasm.ts';
import { RingHandle } from '../core/ring.ts';
import { CountersHandle } from '../core/counters.ts';
import { SlotBatch } from './record-batch.ts';
import { closeQuietly, createWorkerStageHandler, workerCounters, workerErrorInfo } from './worker-stage-handler.ts';
import type { StageWorkerData, StageWorkerMessage } from './worker-protocol.ts';

/** Counters every stage has, before the ones its handler asks for. */
export const BUILTIN_STAGE_COUNTERS = ['batches', 'records'] as const;

const data = workerData as StageWorkerData;
const post = (m: StageWorkerMessage) => parentPort!.postMessage(m);

async function main(): Promise<void> {
  const core = instantiateCore(data.module, data.memory);
  const ring = new RingHandle(core, data.memory, data.ringBase, `ring of shard ${data.shard}`);
  const cell = data.stageIndex;
  const counters = new CountersHandle(core, data.memory, data.countersBase, data.countersBlocks, data.countersPerBlock);
  const { counter, names } = workerCounters(counters, data.counterBlock);
  const batches = counter('batches');
  const records = counter('records');

  let handler;
  try {
    handler = await createWorkerStageHandler({
      specifiers: data.specifiers, key: data.key, where: 'the stage worker', stageIndex: data.stageIndex, shard: data.shard,
      slotBytes: ring.slotBytes, dryRun: data.dryRun, env: data.env, flags: data.flags, counter,
    });
  } catch (e) {
    ring.abort(cell, ring.cellSeq(cell) + 1);
    post({ type: 'failed', phase: 'start', error: workerErrorInfo(e), sequence: null });
    return;
  }
  post({ type: 'ready', counters: names });

  const batch = new SlotBatch(ring);
  const maxBatch = data.maxBatch;
  let next = ring.cellSeq(cell) + 1;
  for (;;) {
    let avail = ring.waitFor(cell, next);
    if (avail < next) break; // ended (everything drained) or aborted
    if (avail - next + 1 > maxBatch) avail = next + maxBatch - 1;
    batch.reset(next, avail - next + 1);
    try {
      const r = handler.onBatch(batch);
      if (r !== undefined) await r;
    } catch (e) {
      const info = workerErrorInfo(e);
      const s = info.details?.sequence;
      const seq = typeof s === 'number' && s >= next && s <= avail ? s : next;
      ring.abort(cell, seq);
      post({ type: 'failed', phase: 'batch', error: info, sequence: seq });
      await closeQuietly(handler);
      return;
    }
    batches.add(1);
    records.add(batch.count);
    ring.release(cell, avail);
    next = avail + 1;
  }
  try {
    if (handler.close) await handler.close();
  } catch (e) {
    post({ type: 'failed', phase: 'close', error: workerErrorInfo(e), sequence: null });
    return;
  }
  post({ type: 'done' });
}

main().catch((e) => post({ type: 'failed', phase: 'start', error: workerErrorInfo(e), sequence: null }));
