// journal lanes over real role workers: under on_full=drop the writer overwrites the oldest
// records and a reader that falls behind reports its overrun (never silent); under block
// nothing is overwritten.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  coreKernel,
  laneGraph,
  lane,
  ingress,
  egress,
  stage,
  bridge,
  CollectingEgress,
  start,
  drive,
  names,
  laneOf,
  roleOf,
  withTimeout,
} from './harness.ts';

test('journal, on_full=drop: a reader that falls behind is reported as overrun; in = out + overrun', async () => {
  const kernel = await coreKernel();
  const n = 2000;
  const spec = laneGraph({
    on_full: 'drop',
    lanes: [lane('in.j', 'events', 4096), lane('j', 'journal', 16), lane('out', 'events', 4096)],
    endpoints: [ingress('in', 'in.j'), egress('out', 'out')],
    roles: [bridge('b', 'in.j', 'j'), stage('slow', 'sleep_us:1000', 'j', 'out')],
  });
  const out = new CollectingEgress();
  const s = await withTimeout(drive(await start(kernel, spec, out, { maxBatch: 4 }), n), 60_000, 'journal overrun run');
  assert.ok(s.ok, JSON.stringify(s.error));
  const j = laneOf(s, 'j');
  const reader = j.readers[0]!;
  assert.is(j.published, n, 'the journal writer never waits and never refuses');
  assert.is(j.drops_full, 0);
  assert.ok(reader.overrun > 0, `the slow reader was overrun (${reader.overrun})`);
  assert.is(reader.released, n, 'its position moved past what it lost');
  assert.is(roleOf(s, 'slow').records + reader.overrun, n, 'records read + overrun = records written');
  assert.is(s.records_out + reader.overrun, n, 'in = out + overrun');
  assert.is(s.dropped, reader.overrun);
  assert.is(j.health, 'degraded');
  assert.is(roleOf(s, 'slow').health, 'degraded');
  // what survives is in order, and the newest records are the ones kept
  const idx = out.records.map((r) => Number(r.slice(1)));
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i]! > idx[i - 1]!);
  assert.is(out.records[out.records.length - 1], `r${n - 1}`, 'the newest record survives');
});

test('journal, on_full=block: the writer waits for the reader; nothing is overwritten', async () => {
  const kernel = await coreKernel();
  const n = 300;
  const spec = laneGraph({
    lanes: [lane('in.j', 'events', 64), lane('j', 'journal', 16), lane('out', 'events', 64)],
    endpoints: [ingress('in', 'in.j'), egress('out', 'out')],
    roles: [bridge('b', 'in.j', 'j'), stage('slow', 'sleep_us:1000', 'j', 'out')],
  });
  const out = new CollectingEgress();
  const s = await withTimeout(drive(await start(kernel, spec, out, { maxBatch: 4 }), n), 60_000, 'journal block run');
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.equal(out.records, names(n));
  assert.is(laneOf(s, 'j').readers[0]!.overrun, 0);
  assert.is(laneOf(s, 'j').health, 'healthy');
});

test.run();
