// 10^6 seeded records through 3 shards keyed on field 0: per-key order kept, every key on one
// shard, nothing lost or duplicated. Egress follows ingress order, so the stream is in order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coreKernel, singleRing, CheckingEgress, drive, start, expectUpper } from './harness.ts';

const N = 1_000_000;

test('sharded: 10^6 records, per-key order, whole stream in ingress order', async () => {
  const kernel = await coreKernel();
  const spec = singleRing(
    [
      { key: 'upper', depends_on: [] },
      { key: 'identity', depends_on: [0] },
    ],
    { shards: 3, ordering: 'per_key', shard_key: 'delimited:,:0', capacity: 512 },
  );
  const { state, check } = expectUpper(3);
  const lastPerKey = new Map<number, number>();
  let perKeyBad = '';
  const egress = new CheckingEgress((rec, i) => {
    check(rec, i);
    // parse "K<key>,<index>,..." (upper-cased by stage 0)
    let j = 1;
    let key = 0;
    let idx = 0;
    while (rec[j] !== 44) key = key * 10 + rec[j++]! - 48;
    j++;
    while (rec[j] !== 44) idx = idx * 10 + rec[j++]! - 48;
    const prev = lastPerKey.get(key) ?? -1;
    if (!perKeyBad && idx <= prev) perKeyBad = `key ${key}: ${idx} after ${prev}`;
    lastPerKey.set(key, idx);
  });
  const s = await drive(await start(kernel, spec, egress), N, 3);
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(perKeyBad, '');
  assert.is(state.bad, -1, `first wrong record at ${state.bad}`);
  assert.is(egress.count, N);
  assert.is(lastPerKey.size, 16);
  const perShard = [0, 1, 2].map((sh) => s.counters.find((c) => c.shard === sh && c.stage === 0)!.values.records!);
  assert.is(
    perShard.reduce((a, b) => a + b, 0),
    N,
  );
  for (const n of perShard) assert.ok(n > 0, 'every shard got records');
});

test.run();
