// TurnTimer (kernel/exec/event-loop-turns.ts): when a busy stage loop turns its event loop. It
// reads the clock once per some thousands of records (every read allocates), so it never reads
// it for a small amount of work, and a loop that keeps running batches is told to turn once
// TURN_MS has passed, whatever the batch size.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TURN_MS, TurnTimer } from '../../kernel/exec/event-loop-turns.ts';

const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

test('a little work is never due, however long it took', () => {
  const t = new TurnTimer();
  sleepMs(TURN_MS * 3);
  for (let i = 0; i < 10; i++) assert.is(t.due(1), false);
});

for (const batch of [1, 256, 100_000]) {
  test(`batches of ${batch}: due once TURN_MS passed, then not again until it passes again`, () => {
    const start = performance.now();
    const t = new TurnTimer();
    let calls = 0;
    while (!t.due(batch)) {
      calls++;
      if (calls % 64 === 0) sleepMs(1);
      assert.ok(performance.now() - start < 5_000, 'never due');
    }
    assert.ok(performance.now() - start >= TURN_MS, 'due before TURN_MS');
    t.turned();
    assert.is(t.due(batch), false);
  });
}

test.run();
