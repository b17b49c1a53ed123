// The bench driver's sparse clock (bench/suite/driver.ts SparseClock): a saturating loop reads
// the clock about every 2 ms whatever one pass costs, so the driver's own clock reads do not
// allocate per batch, and its deadline is passed by a few ms at most.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SparseClock } from '../../bench/suite/driver.ts';

/** Run `passes` passes of `costMs` each on a fake clock; returns the gaps between reads (ms). */
function readGaps(clock: SparseClock, fake: { t: number }, passes: number, costMs: number): number[] {
  const gaps: number[] = [];
  let last = fake.t;
  for (let i = 0; i < passes; i++) {
    fake.t += costMs;
    if (clock.due()) {
      clock.read();
      gaps.push(fake.t - last);
      last = fake.t;
    }
  }
  return gaps;
}

test('fast passes: reads settle at about one every 2 ms, not one per pass', () => {
  const fake = { t: 0 };
  const clock = new SparseClock(() => fake.t);
  const gaps = readGaps(clock, fake, 2_000_000, 0.0001); // 100 ns a pass, 200 ms in all
  assert.ok(gaps.length < 200, `${gaps.length} reads in 200 ms`);
  const settled = gaps.slice(-20);
  for (const g of settled) assert.ok(g >= 1 && g <= 4.01, `a gap of ${g} ms once settled`);
});

test('passes that slow down: after one late read, reads come every few ms again', () => {
  const fake = { t: 0 };
  const clock = new SparseClock(() => fake.t);
  readGaps(clock, fake, 1_000_000, 0.0001); // settles at 16 k-32 k passes a read
  const gaps = readGaps(clock, fake, 40_000, 1); // now 1 ms a pass
  // the first read after the slow-down comes late (the count was set for fast passes; the
  // driver's timer covers that); the next ones are every 2 ms again
  assert.ok(gaps[0]! > 4, `the first read after the slow-down came after ${gaps[0]} ms`);
  assert.ok(gaps.length > 1000, `${gaps.length} reads in ${40_000} ms of 1 ms passes`);
  for (const g of gaps.slice(1)) assert.ok(g <= 4.01, `a gap of ${g} ms after the first late read`);
});

test('every pass is read while one pass takes longer than the read interval', () => {
  const fake = { t: 0 };
  const clock = new SparseClock(() => fake.t);
  const gaps = readGaps(clock, fake, 100, 5);
  assert.equal(new Set(gaps), new Set([5]));
  assert.is(gaps.length, 100);
});

test.run();
