// A stage that goes straight on to its next batch releases quietly (ringReleaseQuiet: the value
// stored, no wake) and wakes the threads sleeping on its cell before it waits for input, awaits,
// turns its event loop, or once an eighth of the ring is unwoken (kernel/exec/stage-worker.ts).
// The core pieces are pinned first (a wake is an epoch bump of the cell); then the stage worker:
// a burst far smaller than the wake interval, the stage then idle, must have woken the sleeper
// (this test announces itself on the stage's cell, so any wake shows as an epoch bump; without
// the wake before the idle wait there is none, and the egress reader sees the records only after
// its 1 s safety timeout). Behind a busy stage the egress reader's async wait looks again every
// millisecond on its own (kernel/core/ring.ts asyncWaitTimeout).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCore, createSharedMemory, instantiateCore } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { EGRESS_CELL, RingHandle } from '../../kernel/core/ring.ts';
import { CheckingEgress, RecordStream, coreKernel, expectUpper, singleRing, start } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The address of the cell the egress reader sleeps on to get `target`: the last stage's. */
function lastStageCell(ring: RingHandle, target: number): number {
  const cell = ring.core.ringConsumerWaitCell(ring.base, EGRESS_CELL, target) >>> 0;
  assert.ok(cell !== 0, 'the egress reader has a cell to sleep on');
  return cell;
}
const epochOf = (ring: RingHandle, cell: number) => Atomics.load(new Int32Array(ring.memory.buffer), (cell + 12) >>> 2);

/** A ring of one stage and egress on this thread, and the cell the egress reader sleeps on. */
function oneStageRing() {
  const layout = new LayoutAllocator();
  const base = layout.carve('ring.0', LayoutAllocator.ringBytes(8, 64));
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(compileCore(), memory);
  const ring = RingHandle.create(core, memory, base, {
    capacity: 8,
    slotBytes: 64,
    deps: [[]],
    egress: true,
    wait: 'backoff',
  });
  const start0 = ring.cellSeq(0);
  return { ring, core, start0, cell: lastStageCell(ring, start0 + 1) };
}

test('core: ringReleaseQuiet stores without a wake; ringWakeWaiters wakes only announced sleepers', () => {
  const { ring, core, start0, cell } = oneStageRing();
  const e0 = epochOf(ring, cell);
  assert.is(e0 & 1, 0, 'a fresh cell is not armed');
  const armed = core.cellPrepare(cell); // a sleeper announces itself and arms the epoch
  assert.is(armed, e0 | 1);
  assert.is(epochOf(ring, cell), armed);
  ring.releaseQuiet(0, start0 + 1);
  assert.is(ring.cellSeq(0), start0 + 1, 'the value is stored at once');
  assert.is(epochOf(ring, cell), armed, 'no wake');
  ring.wakeWaiters(0);
  assert.is(epochOf(ring, cell), armed + 1, 'woken: the epoch moved off the armed value');
  ring.wakeWaiters(0);
  ring.release(0, start0 + 2);
  assert.is(epochOf(ring, cell), armed + 1, 'still announced but not re-armed: no second wake');
  core.cellDone(cell);
  ring.wakeWaiters(0);
  assert.is(epochOf(ring, cell), armed + 1, 'nobody announced: no wake');
  const again = core.cellPrepare(cell);
  assert.is(again, armed + 2, 're-armed: a new odd value');
  ring.release(0, start0 + 3);
  assert.is(epochOf(ring, cell), again + 1, 'release wakes as before');
  core.cellDone(cell);
  core.cellWake(cell);
  assert.is(epochOf(ring, cell), again + 3, 'a forced wake moves the epoch by 2 (parity kept)');
});

test('core: a second sleeper arming an armed epoch shares it; one wake moves it for both', () => {
  const { ring, core, start0, cell } = oneStageRing();
  const a = core.cellPrepare(cell);
  const b = core.cellPrepare(cell);
  assert.is(b, a, 'both sleep on the same armed value');
  ring.release(0, start0 + 1);
  assert.is(epochOf(ring, cell), a + 1);
  core.cellDone(cell);
  core.cellDone(cell);
});

for (const wait of ['spin', 'backoff'] as const) {
  test(`stage worker (${wait}): a burst smaller than the wake interval, then idle, wakes the sleeper`, async () => {
    const kernel = await coreKernel();
    const spec = singleRing([{ key: 'upper', depends_on: [] }], { capacity: 1024, wait });
    const { state, check } = expectUpper(5);
    const egress = new CheckingEgress(check);
    const run = await start(kernel, spec, egress);
    const ring = run.rings[0]!;
    let s: Awaited<typeof run.done> | undefined;
    let i = 0;
    try {
      const stream = new RecordStream(5);
      for (let burst = 0; burst < 5; burst++) {
        const first = ring.cellSeq(0) + 1;
        const cell = lastStageCell(ring, first);
        const e = ring.core.cellPrepare(cell);
        try {
          for (let k = 0; k < 10; k++, i++) {
            const p = run.sink.push(stream.buf.subarray(0, stream.fill(i)));
            if (p) await p;
          }
          // the stage takes the 10 records (1024 / 8 = 128 would be the wake interval), then idles
          for (let t = 0; ring.cellSeq(0) < first + 9 && t < 400; t++) await sleep(5);
          assert.is(ring.cellSeq(0), first + 9, `burst ${burst}: the stage released the records`);
          for (let t = 0; epochOf(ring, cell) === e && t < 100; t++) await sleep(5);
          assert.ok(epochOf(ring, cell) !== e, `burst ${burst}: the stage woke its sleepers before it went idle`);
        } finally {
          ring.core.cellDone(cell);
        }
        for (let t = 0; egress.count < i && t < 400; t++) await sleep(5);
        assert.is(egress.count, i);
      }
    } finally {
      // a failed check still ends the run (its workers would keep the test process alive)
      run.sink.end();
      s = await run.done;
    }
    assert.ok(s.ok, JSON.stringify(s.error));
    assert.is(state.bad, -1, `first wrong record at ${state.bad}`);
    assert.is(s.records_out, i);
  });
}

test('egress behind a slow synchronous stage gets records while the stage is still busy (1 ms heartbeat)', async () => {
  const kernel = await coreKernel();
  // 4 ms per batch, a record pushed about every millisecond: the stage is never idle while they come,
  // and its releases are quiet (4096 / 8 = 512 records before a wake); the egress reader, asleep on
  // the stage's cell while the cursor is past it, looks again every millisecond on its own
  const spec = singleRing([{ key: 'sleep_us:4000', depends_on: [] }], { capacity: 4096, wait: 'block' });
  const egress = new CheckingEgress(() => {});
  const run = await start(kernel, spec, egress);
  const ring = run.rings[0]!;
  const stream = new RecordStream(9);
  let pushed = 0;
  let outWhileBusy = false;
  let s: Awaited<typeof run.done> | undefined;
  try {
    const first = ring.cellSeq(0) + 1;
    for (; pushed < 80 && !outWhileBusy; pushed++) {
      const p = run.sink.push(stream.buf.subarray(0, stream.fill(pushed)));
      if (p) await p;
      await sleep(1);
      // written out while records the stage has not released are still waiting for it
      if (egress.count > 0 && ring.cellSeq(0) < ring.cursor() && ring.cursor() >= first) outWhileBusy = true;
    }
  } finally {
    run.sink.end();
    s = await run.done;
  }
  assert.ok(outWhileBusy, 'the egress wrote records while the stage was still busy');
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(s.records_out, pushed);
});

test.run();
