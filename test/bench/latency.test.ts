// The bench driver's latency histogram (bench/suite/latency.ts): every value lands in a bucket
// that holds it and is narrower than 0.1 % of it, and percentiles agree with the exact ones
// of the same values within that precision.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { bucketOf, bucketTop, LatencyRecorder } from '../../bench/suite/latency.ts';

const SEED = 0x1a7e;

test(
  'property: a value lies in its bucket, the bucket below ' + 'ends before it, and buckets are narrower than 0.1 %',
  () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 - 1 }), (v) => {
        const i = bucketOf(v);
        assert.ok(bucketTop(i) >= v, `top of ${i} below ${v}`);
        if (i > 0) assert.ok(bucketTop(i - 1) < v, `bucket ${i - 1} reaches ${v}`);
        const low = i === 0 ? 0 : bucketTop(i - 1) + 1;
        assert.ok(bucketTop(i) - low <= Math.max(0, v * 0.001), `bucket ${i} too wide at ${v}`);
      }),
      { seed: SEED, numRuns: 20_000 },
    );
  },
);

test('property: p50, p99, p99.9 and the mean match the exact values within the precision', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 5e9 }), { minLength: 1, maxLength: 2000 }), (values) => {
      const r = new LatencyRecorder();
      for (const v of values) r.record(v);
      const sorted = [...values].sort((a, b) => a - b);
      for (const p of [50, 99, 99.9]) {
        const exact = sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
        const got = r.valueAt(p);
        assert.ok(got >= exact && got <= exact * 1.001 + 1, `p${p}: ${got} vs ${exact}`);
      }
      assert.is(r.count, values.length);
      const s = r.summary();
      assert.is(s.max_us, Math.round(sorted[sorted.length - 1]! / 100) / 10);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

test('values outside the range are kept: below 1 ns counts as 1, beyond 2^40 ns in the last bucket, max exact', () => {
  const r = new LatencyRecorder();
  r.record(0);
  r.record(2 ** 45);
  assert.is(r.count, 2);
  assert.is(r.valueAt(50), 1);
  assert.is(r.valueAt(100), 2 ** 45);
});

test.run();
