// fanout_broadcast over real role workers: every reader gets every record, in order; the lane's
// counters account for each reader.
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
  merge,
  CollectingEgress,
  start,
  drive,
  byTag,
  names,
  laneOf,
  roleOf,
  withTimeout,
} from './harness.ts';

const N = 20_000;

test('fanout_broadcast: each of 3 readers sees every record, in order', async () => {
  const kernel = await coreKernel();
  const spec = laneGraph({
    lanes: [
      lane('in.a'),
      lane('a.fan', 'fanout_broadcast', 256, 3),
      lane('x.out'),
      lane('y.out'),
      lane('z.out'),
      lane('join.out'),
    ],
    endpoints: [ingress('in', 'in.a'), egress('out', 'join.out')],
    roles: [
      bridge('a', 'in.a', 'a.fan'),
      stage('x', 'tag:x', 'a.fan', 'x.out'),
      stage('y', 'tag:y', 'a.fan', 'y.out'),
      stage('z', 'tag:z', 'a.fan', 'z.out'),
      merge('join', ['x.out', 'y.out', 'z.out'], 'join.out'),
    ],
  });
  const out = new CollectingEgress();
  const s = await withTimeout(drive(await start(kernel, spec, out), N), 60_000, 'fanout run');
  assert.ok(s.ok, JSON.stringify(s.error));
  const tags = byTag(out.records);
  const want = names(N);
  for (const t of ['x', 'y', 'z']) assert.equal(tags.get(t), want, `reader ${t} got every record in order`);
  assert.is(s.records_in, N);
  assert.is(s.records_out, 3 * N);
  assert.is(s.dropped, 0);
  const fan = laneOf(s, 'a.fan');
  assert.is(fan.published, N);
  assert.is(fan.readers.length, 3);
  for (const r of fan.readers) {
    assert.is(r.released, N);
    assert.is(r.lag, 0);
    assert.is(r.overrun, 0);
  }
  assert.equal(
    fan.readers.map((r) => r.name),
    ['x', 'y', 'z'],
  );
  assert.is(fan.health, 'healthy');
  assert.equal(
    roleOf(s, 'join').merge!.inputs.map((i) => i.taken),
    [N, N, N],
  );
  for (const t of ['x', 'y', 'z']) assert.is(roleOf(s, t).counters.tagged, N);
});

test.run();
