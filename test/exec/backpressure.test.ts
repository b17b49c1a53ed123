// Backpressure: a slow stage behind a small ring. The producer is held back (push returns a
// promise while the ring is full), the ring never holds more than its capacity of unreleased
// records, and nothing is lost, duplicated or reordered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coreKernel, singleRing, CheckingEgress, start, expectUpper, RecordStream } from './harness.ts';
import { EGRESS_CELL } from '../../kernel/core/ring.ts';

test('a slow stage holds the producer back; every record arrives once, in order', async () => {
  const kernel = await coreKernel();
  const capacity = 16;
  const spec = singleRing(
    [
      { key: 'upper', depends_on: [] },
      { key: 'sleep_us:300', depends_on: [0] },
    ],
    { capacity, wait: 'block' },
  );
  const { state, check } = expectUpper(5);
  let maxInRing = 0;
  const egress = new CheckingEgress(check);
  const run = await start(kernel, spec, egress, { maxBatch: 4 });
  const ring = run.rings[0]!;
  const stream = new RecordStream(5);
  const n = 3000;
  let blocked = 0;
  for (let i = 0; i < n; i++) {
    const len = stream.fill(i);
    const p = run.sink.push(stream.buf.subarray(0, len));
    // published-but-not-yet-released records never exceed the capacity (the producer never wraps)
    maxInRing = Math.max(maxInRing, ring.cursor() - ring.cellSeq(EGRESS_CELL));
    if (p) {
      blocked++;
      await p;
    }
  }
  run.sink.end();
  const s = await run.done;
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(state.bad, -1, `first wrong record at ${state.bad}`);
  assert.is(egress.count, n);
  assert.ok(blocked > 100, `the producer had to wait (${blocked} times)`);
  assert.ok(maxInRing <= capacity, `at most ${capacity} unreleased records (saw ${maxInRing})`);
  const slow = s.counters.find((c) => c.stage === 1)!;
  assert.is(slow.values.records, n);
  assert.ok(slow.values.batches! >= n / 4, 'batches were capped at maxBatch');
});

test.run();
