// A timed spin in the core reads the clock a few times per wait, not once per chunk of polls: each
// read allocates on the host side (kernel/core/clock-ticks.ts), and a stage that spun idle with a
// read every 64 polls collected garbage many times a second. Here a counting clock import, the
// real clock behind it, and a ring with nothing to read: the spin gives up after about its budget
// (no sooner than half of it, the timed half) with a handful of reads (it used to be thousands).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCore, createSharedMemory, type CoreExports } from '../../kernel/core/wasm.ts';
import { clockTicks } from '../../kernel/core/clock-ticks.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { RingHandle } from '../../kernel/core/ring.ts';

function emptyRing() {
  let reads = 0;
  const layout = new LayoutAllocator();
  const base = layout.carve('ring', LayoutAllocator.ringBytes(8, 16));
  const memory = createSharedMemory(layout.totalBytes);
  const instance = new WebAssembly.Instance(compileCore(), {
    env: {
      memory,
      clockTicks: () => {
        reads++;
        return clockTicks();
      },
    },
  });
  const core = instance.exports as unknown as CoreExports;
  const ring = RingHandle.create(core, memory, base, {
    capacity: 8,
    slotBytes: 16,
    deps: [[]],
    egress: false,
    wait: 'spin',
  });
  return {
    core,
    base,
    target: ring.cellSeq(0) + 1,
    reads: () => reads,
  };
}

test('a spin of 2 ms over an empty ring reads the clock a few times and lasts at least the timed half', () => {
  const r = emptyRing();
  const budgetNs = 2_000_000;
  const t0 = process.hrtime.bigint();
  const v = r.core.ringSpinFor(r.base, 0, r.target, budgetNs);
  const ns = Number(process.hrtime.bigint() - t0);
  assert.ok(v < r.target, 'nothing was published');
  assert.ok(ns >= budgetNs / 2, `gave up after ${ns} ns`);
  assert.ok(ns < 2_000_000_000, `took ${ns} ns`);
  assert.ok(r.reads() >= 1 && r.reads() <= 30, `${r.reads()} clock reads`);
});

test('a spin of 20 µs (the backoff budget) and of 5 µs (the main thread) read it a few times', () => {
  for (const budgetNs of [20_000, 5_000]) {
    const r = emptyRing();
    r.core.ringSpinFor(r.base, 0, r.target, budgetNs);
    assert.ok(r.reads() >= 1 && r.reads() <= 30, `${budgetNs} ns: ${r.reads()} clock reads`);
  }
});

test('a spin with no budget, or one that finds the record at once, reads no clock', () => {
  const r = emptyRing();
  r.core.ringSpinFor(r.base, 0, r.target, 0);
  r.core.ringSpinFor(r.base, 0, r.target - 1, 1_000_000);
  assert.is(r.reads(), 0);
});

test('from JS (doorbell waits): spinStart and spinDone per few polls give up after the budget with a few reads', () => {
  const r = emptyRing();
  const budgetNs = 2_000_000;
  const t0 = process.hrtime.bigint();
  r.core.spinStart(budgetNs);
  let chunks = 0;
  while (r.core.spinDone() === 0) chunks++;
  const ns = Number(process.hrtime.bigint() - t0);
  assert.ok(ns >= budgetNs / 2, `gave up after ${ns} ns`);
  assert.ok(chunks > 0 && r.reads() >= 1 && r.reads() <= 30, `${chunks} chunks, ${r.reads()} clock reads`);
});

test.run();
