// The core's wake (assembly/wait.ts cellWake, cellWakeArmed): a `memory.atomic.notify` from wasm.
// V8 hands the notify's count to its runtime as a JS number; a count outside the small-integer
// range (the usual -1 for "all") is a heap number, allocated on the waking thread at every wake:
// a publish to a sleeping stage, a release to a sleeping producer. The hot path allocates nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { compileCore, createSharedMemory, instantiateCore } from '../../kernel/core/wasm.ts';

const CELL = 4096;
const C_EPOCH = 12;
const CALLS = 20_000;
const heapUsed = () => v8.getHeapStatistics().used_heap_size;

/**
 * Heap growth of `CALLS` calls of `f`, the smallest of several runs: a collection inside a run
 * shrinks it (never grows it), so an allocation per call shows in every run that had none.
 */
function growthPerCall(f: () => void): number {
  let least = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 6; run++) {
    const h0 = heapUsed();
    for (let i = 0; i < CALLS; i++) f();
    const grew = heapUsed() - h0;
    if (run > 0 && grew >= 0 && grew < least) least = grew;
  }
  return least === Number.POSITIVE_INFINITY ? 0 : least / CALLS;
}

test('a wake with nobody asleep allocates nothing on the waking thread', () => {
  const core = instantiateCore(compileCore(), createSharedMemory(1 << 16));
  const perCall = growthPerCall(() => core.cellWake(CELL));
  assert.ok(perCall < 1, `cellWake grew the heap by ${perCall.toFixed(2)} bytes per call`);
});

test('a wake that wakes a sleeping thread allocates nothing on the waking thread', async () => {
  const memory = createSharedMemory(1 << 16);
  const core = instantiateCore(compileCore(), memory);
  const i32 = new Int32Array(memory.buffer);
  const epoch = (CELL + C_EPOCH) >>> 2;
  const asleep = 8192 >>> 2; // the sleeper sets it just before it sleeps
  const stop = asleep + 1;
  const sleeper = new Worker(
    `const { workerData } = require('node:worker_threads');
     const i32 = new Int32Array(workerData.buffer);
     for (;;) {
       const e = Atomics.load(i32, ${epoch});
       Atomics.store(i32, ${asleep}, 1);
       Atomics.wait(i32, ${epoch}, e, 1000);
       if (Atomics.load(i32, ${stop})) break;
     }`,
    { eval: true, workerData: memory },
  );
  try {
    const perCall = growthPerCall(() => {
      while (Atomics.load(i32, asleep) === 0) {
        /* the sleeper is on its way to sleep */
      }
      Atomics.store(i32, asleep, 0);
      core.cellWake(CELL);
    });
    assert.ok(perCall < 1, `cellWake grew the heap by ${perCall.toFixed(2)} bytes per wake`);
  } finally {
    Atomics.store(i32, stop, 1);
    core.cellWake(CELL);
    await sleeper.terminate();
  }
});

test.run();
