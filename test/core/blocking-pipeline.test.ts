// A 2-stage pipeline over real worker threads with blocking waits: the regression test for
// docs/platform-notes.md G1 (Node 20's baseline compiler miscompiled code around atomic.wait and this
// exact topology deadlocked every time). Also runs backoff, and the wake-up path of the main
// thread's async waits (Atomics.waitAsync woken by the core's notify).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRing, startStage, produce, withTimeout } from './pipeline-fixture.ts';
import type { WaitKind } from '../../kernel/core/ring.ts';

for (const wait of ['block', 'backoff'] as WaitKind[]) {
  test(`2-stage pipeline, ${wait} waits: every record arrives once, in order, transformed by stage 0`, async () => {
    const fx = makeRing({ capacity: 256, slotBytes: 8, deps: [[], [0]], egress: false, wait });
    const a = startStage(fx, 0, 'inc');
    const b = startStage(fx, 1, 'verify', 1);
    const n = 200_000;
    await withTimeout(produce(fx.ring, n, 64), 60_000, 'producer');
    const [ra, rb] = await withTimeout(Promise.all([a, b]), 60_000, 'stages');
    assert.is(rb.count, n);
    assert.is(rb.bad, 0, `first bad sequence ${rb.firstBad}`);
    assert.is(ra.halt, 1);
    assert.is(fx.ring.minGating(), n - 1);
  });
}

test('a tiny ring (capacity 2) with batch-1 publishing still delivers everything (many sleeps and wakes)', async () => {
  const fx = makeRing({ capacity: 2, slotBytes: 8, deps: [[], [0]], egress: false, wait: 'block' });
  const a = startStage(fx, 0, 'inc');
  const b = startStage(fx, 1, 'verify', 1);
  const n = 5_000;
  await withTimeout(produce(fx.ring, n, 1), 60_000, 'producer');
  const [, rb] = await withTimeout(Promise.all([a, b]), 60_000, 'stages');
  assert.is(rb.count, n);
  assert.is(rb.bad, 0);
});

test.run();
