'use strict';
/**
 * Garbage-collection probe, preloaded into EVERY thread of a bench child process with
 * `node -r bench/thread-probe.cjs` (bench/run.ts does this). It has to be CommonJS: on Node 20
 * only `-r` preloads run inside worker threads (`--import` runs in the main thread only), and
 * the stage workers are created by the executor, so the bench cannot add code to them any other way.
 *
 * Each thread observes its own V8 garbage collections (node:perf_hooks 'gc' entries) and
 * reports them, as [absolute ms, kind] pairs, on a BroadcastChannel that bench/suite/thread-gc.ts
 * listens to; the main thread keeps its own in `globalThis.__byteorThreadProbe`. A thread that is
 * busy in a synchronous loop (a stage worker in its ring loop) delivers its entries when its
 * event loop next runs, i.e. after its loop ended; the timestamps place each collection inside or
 * outside the measured window, so late delivery loses nothing. Nothing here runs per message.
 */
const { PerformanceObserver, performance } = require('node:perf_hooks');
const { isMainThread, threadId, workerData, parentPort, BroadcastChannel } = require('node:worker_threads');

const CHANNEL = 'byteor-bench-thread-probe';
const origin = performance.timeOrigin;

function roleOf() {
  if (isMainThread) return 'main';
  const d = workerData;
  // Node 20 runs module customization hooks (tsx, registered per thread) on a hooks thread
  // that has no workerData
  if (d === null || d === undefined) return `module hooks thread ${threadId}`;
  if (typeof d === 'object') {
    if (typeof d.benchRole === 'string') return d.benchRole;
    const stage = stageRole(d);
    if (stage) return stage;
  }
  return `worker ${threadId}`;
}

function stageRole(d) {
  if (d && typeof d.key === 'string' && typeof d.stageIndex === 'number')
    return `stage ${d.stageIndex} (${d.key})${typeof d.shard === 'number' ? ` shard ${d.shard}` : ''}`;
  return null;
}

let role = roleOf();
const channel = isMainThread ? null : new BroadcastChannel(CHANNEL);
if (channel) channel.unref();
const own = [];

const observer = new PerformanceObserver((list) => {
  const gc = [];
  for (const e of list.getEntries()) gc.push(origin + e.startTime, e.detail ? e.detail.kind : e.kind);
  if (channel) channel.postMessage({ threadId, role, gc });
  else for (const x of gc) own.push(x);
});
observer.observe({ entryTypes: ['gc'] });
if (channel) channel.postMessage({ threadId, role, gc: [] });

// A SingleRing stage worker starts without workerData (it may be started ahead of its run) and
// learns its stage from its first message, `configure` (kernel/exec/stage-worker-start.ts): the
// probe reads that message as it is delivered to the worker's own listener (wrapping the
// worker's `once`, so the port starts exactly when the worker listens, as without the probe) and
// reports the stage's role from then on.
if (!isMainThread && (workerData === null || workerData === undefined) && parentPort) {
  const once = parentPort.once;
  parentPort.once = function (event, listener) {
    if (event !== 'message') return once.call(this, event, listener);
    parentPort.once = once;
    return once.call(this, event, (m) => {
      const stage = m && m.type === 'configure' ? stageRole(m.data) : null;
      if (stage) {
        role = stage;
        channel.postMessage({ threadId, role, gc: [] });
      }
      listener(m);
    });
  };
}

globalThis.__byteorThreadProbe = { channel: CHANNEL, threadId, role, entries: own };
