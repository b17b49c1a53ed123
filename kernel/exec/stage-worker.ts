/**
 * Stage worker entry: one per (shard, stage). It starts without its stage (it may be started
 * ahead of its run: stage-worker-start.ts) and imports the worker-side kernel while it waits for
 * the executor's one `configure` message (worker-protocol.ts). Then it imports the run's plugins
 * by specifier into that kernel, resolves its stage family, creates the handler, and loops: wait (per
 * the ring's strategy) for slots its dependencies have released, hand them to the handler as
 * one reused RecordBatch, release them. The first handler error aborts the ring
 * (stage_failure_policy stop_pipeline) and is reported with the sequence it failed on.
 *
 * The stage's asynchronous work (timers, promises, I/O) runs while the pipeline runs: the loop
 * turns the worker's event loop about every TURN_MS while busy (kernel/exec/event-loop-turns.ts: a clock read per
 * ~16 k records or ~63 batches, nothing per record), waits a slice at a time while idle (WAIT_SLICE_MS, per the ring's
 * strategy) and then sleeps on the event loop itself (an async wait the writer wakes). Its failure (an
 * uncaught throw in a timer, an unhandled rejection) aborts the ring at once and is reported
 * naming the stage, as a thrown batch error is.
 */
import { parentPort } from 'node:worker_threads';
import { instantiateCore } from '../core/wasm.ts';
import { RingHandle } from '../core/ring.ts';
import { CountersHandle } from '../core/counters.ts';
import { SlotBatch } from './record-batch.ts';
import {
  closeQuietly,
  createWorkerStageHandler,
  importWorkerKernel,
  workerCounters,
  workerErrorInfo,
} from './worker-stage-handler.ts';
import type { StageWorkerCommand, StageWorkerData, StageWorkerMessage } from './worker-protocol.ts';
import type { StageHandler } from '../plugin-contract.ts';
import { IDLE_SLICES, TurnTimer, WAIT_SLICE_MS, turn } from './event-loop-turns.ts';
import { collectStartupGarbage } from './startup-garbage.ts';

/** Counters every stage has, before the ones its handler asks for. */
export const BUILTIN_STAGE_COUNTERS = ['batches', 'records'] as const;

const post = (m: StageWorkerMessage) => parentPort!.postMessage(m);

/** This worker's stage, from the executor's `configure` message. */
function configured(): Promise<StageWorkerData> {
  return new Promise((resolve) => parentPort!.once('message', (m: StageWorkerCommand) => resolve(m.data)));
}

async function main(): Promise<void> {
  // the kernel the handler is created with loads while the worker waits (a failure is reported below)
  importWorkerKernel().catch(() => {});
  const data = await configured();
  const core = instantiateCore(data.module, data.memory);
  const ring = new RingHandle(core, data.memory, data.ringBase, `ring of shard ${data.shard}`);
  const cell = data.stageIndex;
  const counters = new CountersHandle(core, data.memory, data.countersBase, data.countersBlocks, data.countersPerBlock);
  const { counter, names } = workerCounters(counters, data.counterBlock);
  const batches = counter('batches');
  const records = counter('records');

  let handler: StageHandler;
  try {
    handler = await createWorkerStageHandler({
      specifiers: data.specifiers,
      provider: data.provider,
      key: data.key,
      where: 'the stage worker',
      stageIndex: data.stageIndex,
      shard: data.shard,
      slotBytes: ring.slotBytes,
      dryRun: data.dryRun,
      env: data.env,
      flags: data.flags,
      counter,
    });
  } catch (e) {
    ring.abort(cell, ring.cellSeq(cell) + 1);
    post({ type: 'failed', phase: 'start', error: workerErrorInfo(e), sequence: null });
    return;
  }
  let next = ring.cellSeq(cell) + 1;
  // the stage's asynchronous work failed: stop the pipeline now, naming this stage
  let asyncFailed = false;
  const onAsyncError = (e: unknown) => {
    if (asyncFailed) return;
    asyncFailed = true;
    ring.abort(cell, next);
    const info = workerErrorInfo(e);
    post({
      type: 'failed',
      phase: 'async',
      error: { ...info, message: `${info.message} (in its asynchronous work: a timer, a promise or I/O)` },
      sequence: null,
    });
    void closeQuietly(handler).finally(() => process.exit(1));
  };
  process.on('uncaughtException', onAsyncError);
  process.on('unhandledRejection', onAsyncError);
  // an async wait (Atomics.waitAsync) does not keep a worker's event loop alive: this does
  const keepAlive = setInterval(() => {}, 1 << 30);
  // module loading's garbage goes now, not in the run (kernel/exec/startup-garbage.ts)
  collectStartupGarbage();
  post({ type: 'ready', counters: names });

  const batch = new SlotBatch(ring);
  const maxBatch = data.maxBatch;
  const turns = new TurnTimer();
  // records released since the last wake of this cell's sleepers (see wakeEvery)
  let unwoken = 0;
  const wakeEvery = wakeInterval(ring.capacity);
  try {
    for (;;) {
      let avail = ring.available(cell, next);
      if (avail < next) {
        if (unwoken !== 0) {
          ring.wakeWaiters(cell);
          unwoken = 0;
        }
        avail = ring.waitForWithin(cell, next, WAIT_SLICE_MS);
        if (avail < next && !ring.stopped(cell, next)) {
          // idle: the strategy's wait in slices, the event loop turned between them (timers and I/O run)
          avail = await idleTurning(ring, cell, next);
          turns.turned();
        }
        if (asyncFailed) return;
        if (avail < next) break; // ended (everything drained) or aborted
      }
      if (avail - next + 1 > maxBatch) avail = next + maxBatch - 1;
      batch.reset(next, avail - next + 1);
      try {
        const r = handler.onBatch(batch);
        if (r !== undefined) {
          if (unwoken !== 0) {
            ring.wakeWaiters(cell);
            unwoken = 0;
          }
          await r;
        }
      } catch (e) {
        if (asyncFailed) return;
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
      unwoken += batch.count;
      if (unwoken >= wakeEvery) {
        ring.release(cell, avail);
        unwoken = 0;
      } else ring.releaseQuiet(cell, avail);
      next = avail + 1;
      if (turns.due(batch.count)) {
        if (unwoken !== 0) {
          ring.wakeWaiters(cell);
          unwoken = 0;
        }
        await turn();
        turns.turned();
        if (asyncFailed) return;
      }
    }
    try {
      if (handler.close) await handler.close();
    } catch (e) {
      post({ type: 'failed', phase: 'close', error: workerErrorInfo(e), sequence: null });
      return;
    }
    post({ type: 'done' });
  } finally {
    clearInterval(keepAlive);
  }
}

/**
 * How many records a busy stage releases between two wakes of the threads sleeping on its cell
 * (the next stage, the egress reader): an eighth of the ring. A stage that goes straight on to
 * its next batch releases without a wake (ring.releaseQuiet; pollers see the release at once)
 * and wakes its sleepers before it waits for input, awaits its handler or turns its event loop,
 * and once this many records are unwoken: a sleeper downstream of a busy stage is woken once per
 * run of batches (a futex syscall each: 5 % of a DataGuard stage's time when it was one per
 * batch), never later than this many records or the stage's next pause. A slow synchronous
 * handler fed without pause would stretch that, and this loop cannot time its batches (a clock
 * read allocates on Node 20): the sleepers bound it (an async waiter behind a busy stage looks
 * again every millisecond: kernel/core/ring.ts asyncWaitTimeout; backoff sleepers every 1 ms).
 */
function wakeInterval(capacity: number): number {
  return Math.max(1, capacity >>> 3);
}

/**
 * Idle: more slices of the strategy's wait (`spin` spins a slice; `backoff` and `block` sleep on
 * the cell, a futex wake the writer gives at once, without the event loop), the event loop turned
 * between them. `spin` goes on so; the others, idle past IDLE_SLICES, sleep on the event loop
 * itself (an async wait the writer wakes: no wake per slice for a pipeline with nothing to do).
 */
async function idleTurning(ring: RingHandle, cell: number, next: number): Promise<number> {
  const slices = ring.waitKind() === 'spin' ? Number.POSITIVE_INFINITY : IDLE_SLICES;
  for (let i = 0; i < slices; i++) {
    await turn();
    const avail = ring.waitForWithin(cell, next, WAIT_SLICE_MS);
    if (avail >= next || ring.stopped(cell, next)) return avail;
  }
  return ring.waitForAvailable(cell, next);
}

main().catch((e) => post({ type: 'failed', phase: 'start', error: workerErrorInfo(e), sequence: null }));
