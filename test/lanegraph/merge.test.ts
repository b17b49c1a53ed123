// The merge role: loses nothing (real workers, three inputs), and is fair — the round-robin
// policy, checked deterministically by running the merge loop on prefilled lanes in this thread.
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
  names,
  roleOf,
  withTimeout,
} from './harness.ts';
import { compileCore, instantiateCore, createSharedMemory } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { LaneHandle } from '../../kernel/core/lane.ts';
import { DoorbellsHandle } from '../../kernel/core/doorbells.ts';
import { runMergeRole, MERGE_QUANTUM } from '../../kernel/lanegraph/merge-role.ts';
import type { StageCounter } from '../../kernel/index.ts';

test("merge: three inputs into one output, every record of every input arrives, in its input's order", async () => {
  const kernel = await coreKernel();
  const n = 10_000;
  const spec = laneGraph({
    lanes: [
      lane('in.r', 'events', 256),
      lane('x.in', 'events', 64),
      lane('y.in', 'events', 64),
      lane('z.in', 'events', 64),
      lane('x.out', 'events', 64),
      lane('y.out', 'events', 64),
      lane('z.out', 'events', 64),
      lane('out', 'events', 64),
    ],
    endpoints: [ingress('in', 'in.r'), egress('out', 'out')],
    roles: [
      router('copy', 'broadcast', 'in.r', ['x.in', 'y.in', 'z.in']),
      stage('x', 'tag:x', 'x.in', 'x.out'),
      stage('y', 'tag:y', 'y.in', 'y.out'),
      stage('z', 'tag:z', 'z.in', 'z.out'),
      merge('m', ['x.out', 'y.out', 'z.out'], 'out'),
    ],
  });
  const out = new CollectingEgress();
  const s = await withTimeout(drive(await start(kernel, spec, out), n), 60_000, 'merge run');
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(out.records.length, 3 * n);
  const tags = byTag(out.records);
  for (const t of ['x', 'y', 'z']) assert.equal(tags.get(t), names(n), `input ${t}`);
  const m = roleOf(s, 'm');
  assert.equal(
    m.merge!.inputs.map((i) => i.taken),
    [n, n, n],
  );
  assert.is(m.records, 3 * n);
  assert.is(s.dropped, 0);
});

function counters() {
  const values = new Map<string, number>();
  return {
    values,
    counter(name: string): StageCounter {
      values.set(name, values.get(name) ?? 0);
      return {
        add(k: number) {
          values.set(name, values.get(name)! + k);
        },
        get value() {
          return values.get(name)!;
        },
      };
    },
  };
}

test(
  'merge round_robin is fair: a busy input cannot starve ' + 'another; quanta alternate between inputs with records',
  () => {
    const layout = new LayoutAllocator();
    const sizes = [
      LaneHandle.bytes('events', 1, 512, 16),
      LaneHandle.bytes('events', 1, 512, 16),
      LaneHandle.bytes('events', 1, 1024, 16),
    ];
    const bases = sizes.map((b, i) => layout.carve(`l${i}`, b));
    const bellBase = layout.carve('bells', DoorbellsHandle.bytes(1));
    const memory = createSharedMemory(layout.totalBytes);
    const core = instantiateCore(compileCore(), memory);
    const mk = (i: number, capacity: number) =>
      LaneHandle.create(
        core,
        memory,
        bases[i]!,
        { kind: 'events', readers: 1, capacity, slotBytes: 16, wait: 'block' },
        `l${i}`,
      );
    const a = mk(0, 512);
    const b = mk(1, 512);
    const o = mk(2, 1024);
    const bells = DoorbellsHandle.create(core, memory, bellBase, 1);
    const enc = new TextEncoder();
    const fill = (l: LaneHandle, prefix: string, n: number) => {
      const first = l.next();
      l.tryClaim(n);
      for (let i = 0; i < n; i++) l.write(first + i, enc.encode(`${prefix}${i}`));
      l.end();
    };
    fill(a, 'a', 400); // a busy input
    fill(b, 'b', 100); // a quieter one
    const c = counters();
    const end = runMergeRole({
      inputs: [
        { lane: a, reader: 0 },
        { lane: b, reader: 0 },
      ],
      outputs: [o],
      drop: false,
      maxBatch: 256,
      wait: 'block',
      spinNs: 0,
      doorbell: bells.bell(0),
      counter: c.counter,
      process: null,
    });
    assert.is(end, 'ended');
    assert.is(o.cursor(), 499, 'all 500 records merged');
    const dec = new TextDecoder();
    const seq = Array.from(
      { length: 500 },
      (_, s) => dec.decode(o.u8.subarray(o.payloadOffset(s), o.payloadOffset(s) + o.length(s)))[0],
    );
    // runs of one input: at most MERGE_QUANTUM long while the other input still has records
    const runs: Array<[string, number]> = [];
    for (const x of seq) {
      const last = runs[runs.length - 1];
      if (last && last[0] === x) last[1]++;
      else runs.push([x!, 1]);
    }
    assert.equal(
      runs.slice(0, 4),
      [
        ['a', MERGE_QUANTUM],
        ['b', MERGE_QUANTUM],
        ['a', MERGE_QUANTUM],
        ['b', 100 - MERGE_QUANTUM],
      ],
      'turns alternate, one quantum each',
    );
    assert.equal(runs.slice(4), [['a', 400 - 2 * MERGE_QUANTUM]], 'then the busy input alone');
    assert.is(c.values.get('taken.l0'), 400);
    assert.is(c.values.get('taken.l1'), 100);
    assert.ok(o.halt() === 0, 'the merge loop does not end its output itself (the worker does)');
  },
);

test.run();
