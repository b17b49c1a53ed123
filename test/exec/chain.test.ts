// 10^6 seeded records through a chain identity → upper → identity over real worker threads
// (backoff waits): every record arrives exactly once, in order, upper-cased.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coreKernel, singleRing, CheckingEgress, drive, start, expectUpper } from './harness.ts';

const N = 1_000_000;

test('chain: 10^6 records complete, unduplicated, in order', async () => {
  const kernel = await coreKernel();
  const spec = singleRing([
    { key: 'identity', depends_on: [] },
    { key: 'upper', depends_on: [0] },
    { key: 'identity', depends_on: [1] },
  ]);
  const { state, check } = expectUpper(1);
  const egress = new CheckingEgress(check);
  const s = await drive(await start(kernel, spec, egress), N, 1);
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(state.bad, -1, `first wrong record at ${state.bad}`);
  assert.is(egress.count, N);
  assert.is(s.records_in, N);
  assert.is(s.records_out, N);
  assert.is(s.dropped + s.refused, 0);
  for (const c of s.counters) assert.is(c.values.records, N, `stage ${c.stage} saw every slot`);
});

test('chain with sequences starting just below 2^32: the wrap of the 32-bit word changes nothing', async () => {
  const kernel = await coreKernel();
  const spec = singleRing(
    [
      { key: 'upper', depends_on: [] },
      { key: 'identity', depends_on: [0] },
    ],
    { capacity: 64 },
  );
  const { state, check } = expectUpper(7);
  const egress = new CheckingEgress(check);
  const run = await start(kernel, spec, egress, { startSeq: 2 ** 32 - 1000 });
  const s = await drive(run, 20_000, 7);
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(state.bad, -1);
  assert.is(s.records_out, 20_000);
  assert.is(run.rings[0]!.cursor(), 2 ** 32 - 1000 + 20_000 - 1);
});

test.run();
