// TurnTimer (kernel/exec/event-loop-turns.ts): when a busy stage loop turns its event loop. It
// never reads the clock for a small amount of work, then reads it about every TURN_MS / 4
// whatever the batch size and pace (a read can allocate), and a loop that keeps running batches
// is told to turn once TURN_MS has passed.
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

/** A fake clock in 100 ns ticks (the real one's unit), and the number of times it was read. */
function fakeClock(): { t: number; reads: number; read: () => number } {
  const c = {
    t: 1_000,
    reads: 0,
    read: () => {
      c.reads++;
      return c.t & 0x3fffffff;
    },
  };
  return c;
}
const TICKS_PER_MS = 10_000;

test('one-record batches at 10 M a second: about four reads per TURN_MS, a turn about every TURN_MS', () => {
  const c = fakeClock();
  const timer = new TurnTimer(c.read);
  const turnsAt: number[] = [];
  const batches = 10_000_000; // one second at 100 ns a batch
  for (let i = 0; i < batches; i++) {
    c.t += 1;
    if (timer.due(1)) {
      turnsAt.push(c.t);
      timer.turned();
    }
  }
  const turnsPerS = 1000 / TURN_MS;
  assert.ok(c.reads < 8 * turnsPerS, `${c.reads} clock reads in one second`);
  assert.ok(turnsAt.length >= turnsPerS * 0.6 && turnsAt.length <= turnsPerS, `${turnsAt.length} turns in one second`);
  for (let k = 1; k < turnsAt.length; k++) {
    const gapMs = (turnsAt[k]! - turnsAt[k - 1]!) / TICKS_PER_MS;
    assert.ok(gapMs >= TURN_MS && gapMs <= TURN_MS * 1.75, `turns ${gapMs} ms apart`);
  }
});

test('batches that turn slow: the turn after the slow-down comes within a few TURN_MS', () => {
  const c = fakeClock();
  const timer = new TurnTimer(c.read);
  for (let i = 0; i < 2_000_000; i++) {
    c.t += 1;
    if (timer.due(1)) timer.turned();
  }
  timer.turned();
  const from = c.t;
  // now 1 ms a batch of one record
  let batches = 0;
  while (!timer.due(1)) {
    c.t += TICKS_PER_MS;
    batches++;
    assert.ok(batches < 1_000_000, 'never due');
  }
  const lateMs = (c.t - from) / TICKS_PER_MS;
  assert.ok(lateMs >= TURN_MS, `due after ${lateMs} ms`);
  // bounded: at most 16 k batches of the new pace (MAX_CHECK_UNITS)
  assert.ok(batches <= 16_384, `due after ${batches} slow batches`);
  // the threshold set for fast batches holds for one read; the next reads follow the new pace
  timer.turned();
  const again = c.t;
  while (!timer.due(1)) c.t += TICKS_PER_MS;
  assert.ok((c.t - again) / TICKS_PER_MS <= TURN_MS * 2, `then due after ${(c.t - again) / TICKS_PER_MS} ms`);
});

test.run();
