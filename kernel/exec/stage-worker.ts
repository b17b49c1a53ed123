/**
 * Stage worker entry: one per (shard, stage). Imports the run's plugins by specifier into a
 * worker-side kernel, resolves its stage family, creates the handler, then loops: wait (per
 * the ring's strategy) for slots its dependencies have released, hand them to the handler as
 * one reused RecordBatch, release them. The first handler error aborts the ring
 * (stage_failure_policy stop_pipeline) and is reported with the sequence it failed on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ByteorError, isByteorError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import { Kernel } from '../plugin-host.ts';
import { loadPlugins } from '../plugin-loader.ts';
import type { StageContext, StageCounter } from '../plugin-api.ts';
import { instantiateCore } from '../core/wasm.ts';
import { RingHandle } from '../core/ring.ts';
import { CountersHandle } from '../core/counters.ts';
import { SlotBatch } from './record-batch.ts';
import type { StageWorkerData, StageWorkerMessage, WorkerErrorInfo } from './worker-protocol.ts';

/** Counters every stage has, before the ones its handler asks for. */
export const BUILTIN_STAGE_COUNTERS = ['batches', 'records'] as const;

const data = workerData as StageWorkerData;
const post = (m: StageWorkerMessage) => parentPort!.postMessage(m);

function errorInfo(e: unknown): WorkerErrorInfo {
  if (isByteorError(e)) return { code: e.code, message: e.message, ...(e.details ? { details: plain(e.details) } : {}) };
  return { code: 'BYTEOR_E_STAGE_FAILED', message: e instanceof Error ? e.message : String(e) };
}

function plain(x: Record<string, unknown>): Record<string, unknown> {
  try { return JSON.parse(JSON.stringify(x)) as Record<string, unknown>; } catch { return {}; }
}

async function main(): Promise<void> {
  const core = instantiateCore(data.module, data.memory);
  const ring = new RingHandle(core, data.memory, data.ringBase, `ring of shard ${data.shard}`);
  const cell = data.stageIndex;
  const counters = new CountersHandle(core, data.memory, data.countersBase, data.countersBlocks, data.countersPerBlock);
  const names: string[] = [];
  const byName = new Map<string, StageCounter>();
  const counter = (name: string): StageCounter => {
    let c = byName.get(name);
    if (!c) {
      c = counters.counter(data.counterBlock, names.length);
      names.push(name);
      byName.set(name, c);
    }
    return c;
  };
  const batches = counter('batches');
  const records = counter('records');

  let handler;
  try {
    const kernel = new Kernel({ inWorker: true });
    await loadPlugins(kernel, data.specifiers);
    const resolved = kernel.resolveStage(data.key);
    if (!resolved) {
      throw new ByteorError('BYTEOR_E_STAGE_UNKNOWN', `no loaded plugin provides stage key "${data.key}" inside the stage worker; load the plugin with --plugin=NAME or name it in the spec's plugins`, ExitCode.RUNTIME_FAILURE);
    }
    const ctx: StageContext = {
      key: data.key,
      argument: resolved.argument,
      stageIndex: data.stageIndex,
      shard: data.shard,
      slotBytes: ring.slotBytes,
      dryRun: data.dryRun,
      env: Object.freeze({ ...data.env }),
      flags: Object.freeze({ ...data.flags }),
      counter,
    };
    handler = await resolved.family.create(ctx);
  } catch (e) {
    ring.abort(cell, ring.cellSeq(cell) + 1);
    post({ type: 'failed', phase: 'start', error: errorInfo(e), sequence: null });
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
      const info = errorInfo(e);
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
    post({ type: 'failed', phase: 'close', error: errorInfo(e), sequence: null });
    return;
  }
  post({ type: 'done' });
}

async function closeQuietly(h: { close?(): void | Promise<void> }): Promise<void> {
  try { if (h.close) await h.close(); } catch { /* the batch error is the one reported */ }
}

main().catch((e) => post({ type: 'failed', phase: 'start', error: errorInfo(e), sequence: null }));
