// on_full=drop over real role workers: a full lane refuses the newest records and counts them;
// per lane, records offered = published + drops_full, and every published record is read; the
// run accounts for every record (in = out + dropped).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  coreKernel,
  laneGraph,
  lane,
  ingress,
  egress,
  stage,
  CollectingEgress,
  start,
  drive,
  names,
  laneOf,
  roleOf,
  withTimeout,
} from './harness.ts';

test('drop: records in = out + dropped, per lane and for the run', async () => {
  const kernel = await coreKernel();
  const n = 5000;
  const spec = laneGraph({
    on_full: 'drop',
    lanes: [lane('in.a', 'events', 32), lane('mid', 'events', 8), lane('out', 'events', 1024)],
    endpoints: [ingress('in', 'in.a'), egress('out', 'out')],
    roles: [stage('s1', 'identity', 'in.a', 'mid'), stage('s2', 'sleep_us:1000', 'mid', 'out')],
  });
  const out = new CollectingEgress();
  const s = await withTimeout(drive(await start(kernel, spec, out, { maxBatch: 4 }), n), 60_000, 'drop run');
  assert.ok(s.ok, JSON.stringify(s.error));
  const inA = laneOf(s, 'in.a');
  const mid = laneOf(s, 'mid');
  const last = laneOf(s, 'out');
  assert.ok(inA.drops_full > 0 && mid.drops_full > 0, `both lanes dropped (${inA.drops_full}, ${mid.drops_full})`);
  assert.is(inA.published + inA.drops_full, n, 'in.a: offered = published + dropped');
  assert.is(roleOf(s, 's1').records, inA.published, 's1 read everything in.a published');
  assert.is(mid.published + mid.drops_full, inA.published, 'mid: offered (what s1 read) = published + dropped');
  assert.is(roleOf(s, 's2').records, mid.published);
  assert.is(last.published + last.drops_full, mid.published);
  assert.is(last.drops_full, 0);
  for (const l of [inA, mid, last]) {
    assert.is(l.readers[0]!.released, l.published, `${l.name}: every published record was read`);
    assert.is(l.depth, 0);
  }
  assert.is(s.records_out, last.published);
  assert.is(s.records_in, n);
  assert.is(s.records_in, s.records_out + s.dropped, 'in = out + dropped');
  assert.is(s.dropped, inA.drops_full + mid.drops_full);
  assert.equal(
    s.lane_graph!.endpoints.find((e) => e.name === 'in'),
    { name: 'in', kind: 'ingress', lane: 'in.a', records: inA.published, dropped: inA.drops_full },
  );
  // the survivors keep their order, and the newest records of a full lane are the ones dropped
  const idx = out.records.map((r) => Number(r.slice(1)));
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i]! > idx[i - 1]!);
  assert.is(out.records[0], 'r0', 'the first records found room');
  assert.is(inA.health, 'degraded');
  assert.is(roleOf(s, 's1').health, 'degraded', 's1 writes the lane that dropped');
});

test('stage drops travel with the record: counted once at egress, not written', async () => {
  const kernel = await coreKernel();
  const spec = laneGraph({
    lanes: [lane('a'), lane('b')],
    endpoints: [ingress('in', 'a'), egress('out', 'b')],
    roles: [stage('d', 'drop_if:r3', 'a', 'b')],
  });
  const out = new CollectingEgress();
  const s = await withTimeout(drive(await start(kernel, spec, out), 10), 30_000, 'stage-drop run');
  assert.ok(s.ok);
  assert.equal(
    out.records,
    names(10).filter((r) => r !== 'r3'),
  );
  assert.is(s.dropped, 1);
  assert.is(s.records_in, s.records_out + s.dropped);
  assert.equal(
    s.lane_graph!.endpoints.find((e) => e.name === 'out'),
    { name: 'out', kind: 'egress', lane: 'b', records: 9, dropped: 1 },
  );
  assert.is(s.counters[0]!.values.dropped, 1, "the stage handler's own counter");
});

test.run();
