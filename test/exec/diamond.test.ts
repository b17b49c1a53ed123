// 10^6 seeded records through a diamond DAG 0 → {1 upper, 2 identity} → 3.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coreKernel, singleRing, CheckingEgress, drive, start, expectUpper } from './harness.ts';

test('diamond: 10^6 records complete, unduplicated, in order', async () => {
  const kernel = await coreKernel();
  const spec = singleRing([
    { key: 'identity', depends_on: [] },
    { key: 'upper', depends_on: [0] },
    { key: 'identity', depends_on: [0] },
    { key: 'identity', depends_on: [1, 2] },
  ]);
  const { state, check } = expectUpper(2);
  const egress = new CheckingEgress(check);
  const s = await drive(await start(kernel, spec, egress), 1_000_000, 2);
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(state.bad, -1, `first wrong record at ${state.bad}`);
  assert.is(s.records_out, 1_000_000);
  assert.is(egress.count, 1_000_000);
});

test.run();
