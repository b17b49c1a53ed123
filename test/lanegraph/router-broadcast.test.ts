// The broadcast router over real role workers under on_full=drop: partial delivery, and exactly
// what each consumer missed is counted (work queue: router.test.ts).
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
  merge,
  CollectingEgress,
  start,
  drive,
  byTag,
  laneOf,
  roleOf,
  withTimeout,
} from './harness.ts';

test(
  'router broadcast under on_full=drop: per consumer, records in = routed + drops_full; drops_all_full counts ' +
    'records nobody got',
  async () => {
    const kernel = await coreKernel();
    const n = 3000;
    const spec = laneGraph({
      on_full: 'drop',
      lanes: [
        lane('in.r', 'events', 4096),
        lane('fast.in', 'events', 4096),
        lane('slow.in', 'events', 8),
        lane('fast.out', 'events', 4096),
        lane('slow.out', 'events', 8),
        lane('out'),
      ],
      endpoints: [ingress('in', 'in.r'), egress('out', 'out')],
      roles: [
        router('copy', 'broadcast', 'in.r', ['fast.in', 'slow.in']),
        stage('f', 'tag:f', 'fast.in', 'fast.out'),
        stage('s', 'sleep_us:1000', 'slow.in', 'slow.out'),
        merge('join', ['fast.out', 'slow.out'], 'out'),
      ],
    });
    const out = new CollectingEgress();
    const s = await withTimeout(
      drive(await start(kernel, spec, out, { maxBatch: 8 }), n),
      60_000,
      'broadcast drop run',
    );
    assert.ok(s.ok, JSON.stringify(s.error));
    const copy = roleOf(s, 'copy');
    assert.is(copy.records, n, 'the router read every record');
    const [fast, slow] = copy.router!.consumers;
    assert.is(fast!.routed + fast!.drops_full, n, 'fast consumer: in = routed + dropped');
    assert.is(slow!.routed + slow!.drops_full, n, 'slow consumer: in = routed + dropped');
    assert.ok(slow!.drops_full > 0, `the slow consumer missed records (${slow!.drops_full})`);
    assert.is(copy.router!.drops_all_full, n - Math.max(fast!.routed, slow!.routed));
    assert.is(laneOf(s, 'slow.in').drops_full, slow!.drops_full, 'the lane counts the same drops');
    assert.is(copy.health, 'degraded');
    assert.is(laneOf(s, 'slow.in').health, 'degraded');
    // what each consumer got, it got in order; egress wrote exactly what the lanes delivered
    const tags = byTag(out.records);
    const idx = (r: string) => Number(r.slice(1));
    for (const list of [tags.get('f') ?? [], tags.get('') ?? []])
      for (let i = 1; i < list.length; i++) assert.ok(idx(list[i]!) > idx(list[i - 1]!));
    assert.is((tags.get('f') ?? []).length + (tags.get('') ?? []).length, s.records_out);
    const lost = s.lane_graph!.lanes.reduce((x, l) => x + l.drops_full, 0) + copy.router!.drops_all_full;
    assert.is(s.dropped, lost, 'summary dropped = every lane drop + drops_all_full');
    assert.is(
      s.records_out +
        s
          .lane_graph!.lanes.filter((l) => ['fast.in', 'slow.in', 'fast.out', 'slow.out', 'out'].includes(l.name))
          .reduce((x, l) => x + l.drops_full, 0),
      2 * n,
      'two copies of each record: out + dropped on the way',
    );
  },
);

test.run();
