/**
 * Role worker entry: one worker thread per LaneGraph role (stage, bridge, router, merge).
 * Instantiates the core over the graph's shared memory, opens (validates) its lanes, and for a
 * stage role imports the run's plugins by specifier into a worker-side kernel and creates the
 * stage handler exactly as a SingleRing stage worker does (kernel/exec/stage-worker.ts): same
 * StageContext, same reused RecordBatch (kernel/exec/record-batch.ts) — here over the claimed
 * slots of its output lane. Then it runs its role loop until its inputs end (it then ends its
 * output lanes) or the graph aborts. A handler error aborts the graph (the role's lanes first;
 * the executor aborts the rest) and is reported with the sequence and lane it failed on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { StageHandler } from '../plugin-contract.ts';
import { instantiateCore } from '../core/wasm.ts';
import { LaneHandle } from '../core/lane.ts';
import { CountersHandle } from '../core/counters.ts';
import { Doorbell } from '../core/doorbells.ts';
import { SlotBatch } from '../exec/record-batch.ts';
import {
  closeQuietly,
  createWorkerStageHandler,
  workerCounters,
  workerErrorInfo,
} from '../exec/worker-stage-handler.ts';
import type { RoleWorkerData, RoleWorkerMessage } from './role-protocol.ts';
import type { RoleEnd, RoleRuntime } from './role-runtime.ts';
import { runPassRole } from './pass-role.ts';
import { runRouterRole } from './router-role.ts';
import { runMergeRole } from './merge-role.ts';
import { collectStartupGarbage } from '../exec/startup-garbage.ts';

/** Counters every role has, before its role-specific ones and its handler's. */
export const BUILTIN_ROLE_COUNTERS = ['batches', 'records'] as const;

const data = workerData as RoleWorkerData;
const post = (m: RoleWorkerMessage) => parentPort!.postMessage(m);

async function main(): Promise<void> {
  const core = instantiateCore(data.module, data.memory);
  const open = (l: { base: number; kind: RoleWorkerData['outputs'][number]['kind']; name: string }) =>
    new LaneHandle(core, data.memory, l.base, l.kind, l.name);
  const inputs = data.inputs.map((l) => ({ lane: open(l), reader: l.reader }));
  const outputs = data.outputs.map(open);
  const abortAll = (seq: number) => {
    for (const i of inputs) i.lane.abort(data.roleIndex, seq);
    for (const o of outputs) o.abort(data.roleIndex, seq);
  };

  const counters = new CountersHandle(core, data.memory, data.countersBase, data.countersBlocks, data.countersPerBlock);
  const { counter, names } = workerCounters(counters, data.counterBlock);
  for (const n of BUILTIN_ROLE_COUNTERS) counter(n);

  // the batch a handler is working on, for error reports
  const current = { first: -1, count: 0 };
  let handler: StageHandler | null = null;
  try {
    if (data.kind === 'stage') {
      // only stage roles load plugins (createWorkerStageHandler imports the kernel on demand)
      handler = await createWorkerStageHandler({
        specifiers: data.specifiers,
        provider: data.provider,
        key: data.key!,
        where: `the role worker of "${data.name}"`,
        stageIndex: data.roleIndex,
        shard: 0,
        slotBytes: outputs[0]!.slotBytes,
        dryRun: data.dryRun,
        env: data.env,
        flags: data.flags,
        counter,
      });
    }
  } catch (e) {
    abortAll(-1);
    post({ type: 'failed', phase: 'start', error: workerErrorInfo(e), sequence: null, lane: null });
    return;
  }

  // a stage's asynchronous work failed (an uncaught throw in a timer, an unhandled rejection):
  // stop the graph now, naming this role, as a thrown batch error does
  let asyncFailed = false;
  let keepAlive: ReturnType<typeof setInterval> | null = null;
  if (handler) {
    const onAsyncError = (e: unknown) => {
      if (asyncFailed) return;
      asyncFailed = true;
      abortAll(current.first >= 0 ? current.first : -1);
      const info = workerErrorInfo(e);
      post({
        type: 'failed',
        phase: 'async',
        error: { ...info, message: `${info.message} (in its asynchronous work: a timer, a promise or I/O)` },
        sequence: null,
        lane: null,
      });
      void closeQuietly(handler).finally(() => globalThis.process.exit(1));
    };
    globalThis.process.on('uncaughtException', onAsyncError);
    globalThis.process.on('unhandledRejection', onAsyncError);
    // an async wait (Atomics.waitAsync) does not keep a worker's event loop alive: this does
    keepAlive = setInterval(() => {}, 1 << 30);
  }

  let process: RoleRuntime['process'] = null;
  if (handler) {
    const h = handler;
    const batch = new SlotBatch(outputs[0]!);
    process = (first, count) => {
      current.first = first;
      current.count = count;
      return h.onBatch(batch.reset(first, count));
    };
  }
  const rt: RoleRuntime = {
    inputs,
    outputs,
    drop: data.onFull === 'drop',
    maxBatch: data.maxBatch,
    wait: data.wait,
    spinNs: data.spinNs,
    doorbell: data.doorbell ? new Doorbell(core, data.memory, data.doorbell) : null,
    counter,
    process,
  };
  // role-specific counters exist (at zero) before 'ready', so the executor knows every name
  if (data.kind === 'router') {
    for (const o of outputs) counter(`routed.${o.what}`);
    counter('drops_all_full');
  }
  if (data.kind === 'merge') for (const i of inputs) counter(`taken.${i.lane.what}`);
  // module loading's garbage goes now, not in the run (kernel/exec/startup-garbage.ts)
  collectStartupGarbage();
  post({ type: 'ready', counters: names });

  let end: RoleEnd;
  try {
    end =
      data.kind === 'router'
        ? await runRouterRole(rt, data.mode)
        : data.kind === 'merge'
          ? runMergeRole(rt)
          : await runPassRole(rt);
  } catch (e) {
    if (keepAlive) clearInterval(keepAlive);
    if (asyncFailed) return;
    const info = workerErrorInfo(e);
    const s = info.details?.sequence;
    const inBatch =
      current.first >= 0 && typeof s === 'number' && s >= current.first && s < current.first + current.count;
    const seq = inBatch ? (s as number) : current.first >= 0 ? current.first : null;
    abortAll(seq ?? -1);
    post({ type: 'failed', phase: 'batch', error: info, sequence: seq, lane: seq !== null ? outputs[0]!.what : null });
    await closeQuietly(handler);
    return;
  }
  if (keepAlive) clearInterval(keepAlive);
  if (asyncFailed) return;
  try {
    if (handler?.close) await handler.close();
  } catch (e) {
    abortAll(-1);
    post({ type: 'failed', phase: 'close', error: workerErrorInfo(e), sequence: null, lane: null });
    return;
  }
  if (end === 'ended') for (const o of outputs) o.end();
  post({ type: 'done', aborted: end === 'aborted' });
}

main().catch((e) => post({ type: 'failed', phase: 'start', error: workerErrorInfo(e), sequence: null, lane: null }));
