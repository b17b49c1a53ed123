// on_full=block over real role workers: a slow fanout reader gates the writer and every lane
// upstream of it; nothing is dropped, every reader still gets every record in order.
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
  byTag,
  names,
  laneOf,
  withTimeout,
} from './harness.ts';

test('fanout_broadcast under on_full=block: the slowest reader gates the writer, nobody loses a record', async () => {
  const kernel = await coreKernel();
  const spec = laneGraph({
    lanes: [
      lane('in.fan', 'events', 16),
      lane('fan', 'fanout_broadcast', 16, 2),
      lane('fast.out', 'events', 16),
      lane('slow.out', 'events', 16),
    ],
    endpoints: [ingress('in', 'in.fan'), egress('fast', 'fast.out'), egress('slow', 'slow.out')],
    roles: [
      bridge('a', 'in.fan', 'fan'),
      stage('f', 'tag:f', 'fan', 'fast.out'),
      stage('s', 'sleep_us:1000', 'fan', 'slow.out'),
    ],
  });
  const out = new CollectingEgress();
  const n = 600;
  const run = await start(kernel, spec, out, { maxBatch: 4 });
  // sample the fanout lane while the run is going: the fast reader is never more than a lane ahead of the slow one
  let maxSpread = 0;
  const fan = run.lanes[run.wiring.lanes.findIndex((l) => l.name === 'fan')]!;
  const timer = setInterval(() => {
    maxSpread = Math.max(maxSpread, fan.readerSeq(0) - fan.readerSeq(1));
  }, 2);
  const s = await withTimeout(drive(run, n), 60_000, 'slow-reader run');
  clearInterval(timer);
  assert.ok(s.ok, JSON.stringify(s.error));
  const tags = byTag(out.records);
  assert.equal(tags.get('f'), names(n), 'the fast reader got everything in order');
  assert.equal(tags.get(''), names(n), 'the slow reader got everything in order');
  assert.ok(maxSpread <= 16, `the writer never got more than capacity ahead of the slow reader (spread ${maxSpread})`);
  assert.is(s.dropped, 0);
  for (const l of s.lane_graph!.lanes) assert.is(l.drops_full, 0, `lane ${l.name} dropped nothing`);
  assert.is(laneOf(s, 'in.fan').published, n);
  assert.equal(
    s.lane_graph!.endpoints.map((e) => [e.name, e.records]),
    [
      ['in', n],
      ['fast', n],
      ['slow', n],
    ],
  );
});

test.run();
