// A worker's timed wait on a join (RingHandle.waitForWithin): the stage after a diamond sleeps on
// one of the cells it waits for, and the first to move wakes it. That wake is not its target: it
// sleeps again (on the cell still behind) instead of returning empty-handed, which sent the stage
// worker into its idle path (an event-loop turn, and its garbage) on every wake.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { compileCore, createSharedMemory, instantiateCore } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { RingHandle } from '../../kernel/core/ring.ts';

function joinRing() {
  const layout = new LayoutAllocator();
  const base = layout.carve('ring', LayoutAllocator.ringBytes(8, 8));
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(compileCore(), memory);
  // stages 0 and 1 read the producer's records; stage 2 waits for both
  const ring = RingHandle.create(core, memory, base, {
    capacity: 8,
    slotBytes: 8,
    deps: [[], [], [0, 1]],
    egress: false,
    wait: 'block',
  });
  assert.is(ring.tryClaim(1), 1);
  ring.publish();
  return ring;
}

/**
 * A thread that plays stages 0 and 1: once the join sleeps on one of their cells, it moves that
 * cell past record 0 (and wakes it) after `firstMs`, and the other one `thenMs` later.
 */
function moveCells(ring: RingHandle, firstMs: number, thenMs: number): Worker {
  const cells = [0, 1].map((c) => ring.core.ringCellAddr(ring.base, c));
  return new Worker(
    `const { workerData: { sab, cells, firstMs, thenMs } } = require('node:worker_threads');
     const i32 = new Int32Array(sab);
     const i64 = new BigInt64Array(sab);
     const move = (a) => {
       Atomics.store(i64, a / 8, 0n);
       Atomics.add(i32, (a + 12) / 4, 2);
       Atomics.notify(i32, (a + 12) / 4);
     };
     let first;
     while ((first = cells.find((a) => Atomics.load(i32, (a + 8) / 4) > 0)) === undefined) {}
     setTimeout(() => {
       move(first);
       setTimeout(() => move(cells.find((a) => a !== first)), thenMs);
     }, firstMs);`,
    { eval: true, workerData: { sab: ring.u8.buffer, cells, firstMs, thenMs } },
  );
}

test('a wake from one cell of a join is not the end of the slice: it gets the record when both moved', async () => {
  const ring = joinRing();
  const worker = moveCells(ring, 20, 60);
  const t0 = performance.now();
  const v = ring.waitForWithin(2, 0, 2_000);
  const waited = performance.now() - t0;
  await worker.terminate();
  assert.is(v, 0, `returned ${v} after ${waited.toFixed(0)} ms`);
  assert.ok(waited >= 60, `returned after ${waited.toFixed(0)} ms, before the second cell moved`);
});

test('a slice with no wake still ends: below target after about the slice', () => {
  const ring = joinRing();
  const t0 = performance.now();
  const v = ring.waitForWithin(2, 0, 30);
  const waited = performance.now() - t0;
  assert.ok(v < 0, `returned ${v}`);
  assert.ok(waited >= 25 && waited < 1_000, `returned after ${waited.toFixed(0)} ms`);
});

test.run();
