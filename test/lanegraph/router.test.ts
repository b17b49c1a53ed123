// The work-queue router over real role workers: each record reaches exactly one consumer, in
// order per consumer (broadcast: router-broadcast.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  coreKernel,
  laneGraph,
  lane,
  ingress,
  egress,
  stage,
  router,
  CollectingEgress,
  start,
  drive,
  byTag,
  names,
  roleOf,
  withTimeout,
} from './harness.ts';

test('router work_queue: every record reaches exactly one consumer; each consumer keeps ingress order', async () => {
  const kernel = await coreKernel();
  const n = 20_000;
  const spec = laneGraph({
    lanes: [
      lane('in.r', 'events', 256),
      lane('a.in', 'events', 64),
      lane('b.in', 'events', 64),
      lane('a.out'),
      lane('b.out'),
    ],
    endpoints: [ingress('in', 'in.r'), egress('a', 'a.out'), egress('b', 'b.out')],
    roles: [
      router('split', 'work_queue', 'in.r', ['a.in', 'b.in']),
      stage('wa', 'tag:a', 'a.in', 'a.out'),
      stage('wb', 'tag:b', 'b.in', 'b.out'),
    ],
  });
  const out = new CollectingEgress();
  const s = await withTimeout(drive(await start(kernel, spec, out), n), 60_000, 'work-queue run');
  assert.ok(s.ok, JSON.stringify(s.error));
  const tags = byTag(out.records);
  const a = tags.get('a') ?? [];
  const b = tags.get('b') ?? [];
  assert.is(a.length + b.length, n, 'nothing lost, nothing duplicated in count');
  assert.equal([...a, ...b].sort(), names(n).sort(), 'each record exactly once');
  const idx = (r: string) => Number(r.slice(1));
  for (const list of [a, b])
    for (let i = 1; i < list.length; i++) assert.ok(idx(list[i]!) > idx(list[i - 1]!), 'per-consumer order');
  assert.ok(a.length > 0 && b.length > 0, `both consumers got work (${a.length}/${b.length})`);
  const split = roleOf(s, 'split');
  assert.equal(
    split.router!.consumers.map((c) => c.routed),
    [a.length, b.length],
  );
  assert.is(split.router!.drops_all_full, 0);
  assert.is(split.records, n);
  assert.is(s.dropped, 0);
});

test.run();
