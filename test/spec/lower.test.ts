import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { decodeSpecText } from '../../kernel/spec/load.ts';
import { encodeSpec } from '../../kernel/spec/encode.ts';
import type { LaneGraphPipeline } from '../../kernel/spec/model.ts';
import { check, codes, expectOne, kv, LG_HEADER, lineOf, SR_HEADER } from './helpers.ts';

type Conn = [from: string, to: string, lane?: string];
function plan(opts: {
  ingress?: string[];
  egress?: string[];
  stages: Array<[string, string]>;
  conns: Conn[];
  extra?: string[];
}): string {
  const L = [...LG_HEADER, ...(opts.extra ?? [])];
  (opts.ingress ?? ['in']).forEach((n, i) => L.push(`lane_graph.ingress.${i}=${n}`));
  (opts.egress ?? ['out']).forEach((n, i) => L.push(`lane_graph.egress.${i}=${n}`));
  opts.stages.forEach(([n, k], i) => L.push(`lane_graph.stages.${i}.name=${n}`, `lane_graph.stages.${i}.key=${k}`));
  opts.conns.forEach(([f, t, l], i) => {
    L.push(`lane_graph.connections.${i}.from=${f}`, `lane_graph.connections.${i}.to=${t}`);
    if (l) L.push(`lane_graph.connections.${i}.lane=${l}`);
  });
  return kv(...L);
}

function lowered(text: string) {
  const d = decodeSpecText(text);
  assert.equal(d.errors, [], text);
  return { spec: d.spec as LaneGraphPipeline, diags: d.report!.diagnostics, lines: d.lines };
}

test(
  'SingleRing chain shorthand lowers to a linear chain ' + 'with one diagnostic, and hashes like the explicit spec',
  async () => {
    const authored = kv(
      ...SR_HEADER,
      'single_ring.chain.0=identity',
      'single_ring.chain.1=upper',
      'single_ring.chain.2=identity',
    );
    const explicit = kv(
      ...SR_HEADER,
      'single_ring.stages.0.key=identity',
      'single_ring.stages.1.key=upper',
      'single_ring.stages.1.depends_on.0=0',
      'single_ring.stages.2.key=identity',
      'single_ring.stages.2.depends_on.0=1',
    );
    const a = await check(authored);
    const e = await check(explicit);
    assert.ok(a.ok && e.ok);
    assert.is(a.hash, e.hash);
    assert.is(a.canonical, e.canonical);
    assert.is(a.report!.source, 'plan');
    assert.is(e.report!.source, 'spec');
    assert.equal(e.report!.diagnostics, []);
    expectOne(a.report!.diagnostics, 'BYTEOR_L_CHAIN_LOWERED', {
      line: 4,
      key: 'single_ring.chain',
      message:
        'single_ring.chain (3 stages) lowered to single_ring.stages.0..2, each stage depending on the one before it',
    });
  },
);

test('a straight LaneGraph plan lowers without inserted roles', () => {
  const { spec, diags } = lowered(
    plan({
      stages: [['a', 'identity']],
      conns: [
        ['in', 'a'],
        ['a', 'out'],
      ],
    }),
  );
  assert.equal(diags, []);
  assert.equal(spec.lane_graph.lanes, [
    { name: 'in.to.a', kind: 'events', capacity: 1024 },
    { name: 'a.to.out', kind: 'events', capacity: 1024 },
  ]);
  assert.equal(spec.lane_graph.endpoints, [
    { name: 'in', kind: 'ingress', lane: 'in.to.a' },
    { name: 'out', kind: 'egress', lane: 'a.to.out' },
  ]);
  assert.equal(spec.lane_graph.roles, [
    { name: 'a', kind: 'stage', key: 'identity', inputs: ['in.to.a'], outputs: ['a.to.out'] },
  ]);
});

test('fanout with mixed lane intents inserts a router (BYTEOR_L_ROUTER_INSERTED) at the fanout line', () => {
  const text = plan({
    extra: ['lane_graph.features.0=journal'],
    stages: [
      ['a', 'identity'],
      ['b', 'upper'],
      ['c', 'identity'],
    ],
    conns: [
      ['in', 'a'],
      ['a', 'b'],
      ['a', 'c', 'journal'],
      ['b', 'out'],
      ['c', 'out'],
    ],
  });
  const { spec, diags } = lowered(text);
  const d = expectOne(diags, 'BYTEOR_L_ROUTER_INSERTED', { line: lineOf(text, 'lane_graph.connections.1.from') });
  assert.match(
    d.message,
    /^inserted router "router\.a" \(lane_graph\.roles\.1, mode broadcast\): "a" feeds 2 connections/,
  );
  const router = spec.lane_graph.roles.find((r) => r.kind === 'router')!;
  assert.equal(router, {
    name: 'router.a',
    kind: 'router',
    inputs: ['a.out'],
    outputs: ['a.to.b', 'a.to.c'],
    mode: 'broadcast',
    inserted: true,
  });
  assert.is(d.key, `lane_graph.roles.${spec.lane_graph.roles.indexOf(router)}`);
  assert.is(spec.lane_graph.lanes.find((l) => l.name === 'a.to.c')!.kind, 'journal');
});

test(
  'fanout where every connection asks for fanout_broadcast ' + 'shares one lane (BYTEOR_L_FANOUT_LANE), no router',
  async () => {
    const text = plan({
      stages: [
        ['a', 'identity'],
        ['b', 'upper'],
        ['c', 'identity'],
      ],
      conns: [
        ['in', 'a'],
        ['a', 'b', 'fanout_broadcast'],
        ['a', 'c', 'fanout_broadcast'],
        ['b', 'out'],
        ['c', 'out'],
      ],
    });
    const { spec, diags } = lowered(text);
    assert.equal(codes(diags), ['BYTEOR_L_FANOUT_LANE', 'BYTEOR_L_MERGE_INSERTED']);
    assert.equal(
      spec.lane_graph.lanes.find((l) => l.name === 'a.fanout'),
      { name: 'a.fanout', kind: 'fanout_broadcast', capacity: 1024, consumers: 2 },
    );
    assert.not.ok(spec.lane_graph.roles.some((r) => r.kind === 'router'));
    assert.ok((await check(text)).ok);
  },
);

test('fan-in inserts a merge (BYTEOR_L_MERGE_INSERTED) writing <node>.in', () => {
  const text = plan({
    ingress: ['i1', 'i2'],
    stages: [['a', 'identity']],
    conns: [
      ['i1', 'a'],
      ['i2', 'a'],
      ['a', 'out'],
    ],
  });
  const { spec, diags } = lowered(text);
  const d = expectOne(diags, 'BYTEOR_L_MERGE_INSERTED', { line: lineOf(text, 'lane_graph.connections.0.from') });
  assert.match(d.message, /"merge\.a" .*policy round_robin.*stage "a" has 2 incoming connections/);
  assert.equal(spec.lane_graph.roles[0], {
    name: 'merge.a',
    kind: 'merge',
    inputs: ['i1.to.a', 'i2.to.a'],
    outputs: ['a.in'],
    policy: 'round_robin',
    inserted: true,
  });
  assert.equal(spec.lane_graph.roles[1]!.inputs, ['a.in']);
});

test('bridges: an ingress asking for a non-events lane, and an egress reading one', async () => {
  const text = plan({
    extra: ['lane_graph.features.0=journal'],
    stages: [['a', 'identity']],
    conns: [
      ['in', 'a', 'journal'],
      ['a', 'out', 'journal'],
    ],
  });
  const { spec, diags } = lowered(text);
  assert.equal(codes(diags), ['BYTEOR_L_BRIDGE_INSERTED', 'BYTEOR_L_BRIDGE_INSERTED']);
  assert.match(
    diags[0]!.message,
    /^inserted bridge "bridge\.in" .*ingress "in" writes an events lane, but its connection \(line \d+\) asks for journal; the bridge copies "in\.out" \(events\) into "in\.to\.a" \(journal\)$/,
  );
  assert.match(
    diags[1]!.message,
    /^inserted bridge "bridge\.out" .*egress "out" reads an events lane, but connection a -> out \(line \d+\) carries journal/,
  );
  assert.equal(spec.lane_graph.endpoints, [
    { name: 'in', kind: 'ingress', lane: 'in.out' },
    { name: 'out', kind: 'egress', lane: 'out.in' },
  ]);
  assert.equal(
    spec.lane_graph.roles.map((r) => [r.name, r.kind, r.inserted ?? false]),
    [
      ['bridge.in', 'bridge', true],
      ['a', 'stage', false],
      ['bridge.out', 'bridge', true],
    ],
  );
  assert.ok((await check(text)).ok);
});

test(
  'the lowered spec is validated: a gated lane intent ' + 'without its feature points at the connection line',
  async () => {
    const text = plan({
      stages: [
        ['a', 'identity'],
        ['b', 'identity'],
      ],
      conns: [
        ['in', 'a'],
        ['a', 'b', 'sequenced_slots'],
        ['b', 'out'],
      ],
    });
    expectOne((await check(text)).errors, 'BYTEOR_E_SPEC_LG_FEATURE_GATED', {
      line: lineOf(text, 'lane_graph.connections.1.lane'),
    });
    const cap = kv(
      ...plan({
        stages: [['a', 'identity']],
        conns: [
          ['in', 'a'],
          ['a', 'out'],
        ],
      })
        .trimEnd()
        .split('\n'),
      'lane_graph.connections.1.capacity=1000',
    );
    expectOne((await check(cap)).errors, 'BYTEOR_E_SPEC_LG_CAPACITY', {
      line: lineOf(cap, 'lane_graph.connections.1.capacity'),
    });
    const wide = plan({
      stages: 'abcdefghi'
        .split('')
        .map((n) => [n, 'identity'] as [string, string])
        .concat([['src', 'identity']]),
      conns: [
        ['in', 'src'],
        ...'abcdefghi'.split('').flatMap(
          (n) =>
            [
              ['src', n, 'fanout_broadcast'],
              [n, 'out'],
            ] as Conn[],
        ),
      ],
    });
    expectOne((await check(wide)).errors, 'BYTEOR_E_SPEC_LG_FANOUT_CONSUMERS', {
      message: /consumers must be > 0 and at most FANOUT_V1_MAX_CONSUMERS=8, got 9/,
    });
  },
);

test(
  'plan errors: unknown node, direction, self, duplicate ' + 'connection, duplicate name, unconnected, empty, cycle',
  async () => {
    const cases: Array<[string, string, string]> = [
      [
        plan({
          stages: [['a', 'identity']],
          conns: [
            ['in', 'a'],
            ['a', 'nowhere'],
          ],
        }),
        'BYTEOR_E_PLAN_UNKNOWN_NODE',
        'lane_graph.connections.1.to',
      ],
      [
        plan({
          stages: [['a', 'identity']],
          conns: [
            ['in', 'a'],
            ['a', 'out'],
            ['out', 'a'],
          ],
        }),
        'BYTEOR_E_PLAN_DIRECTION',
        'lane_graph.connections.2.from',
      ],
      [
        plan({
          stages: [['a', 'identity']],
          conns: [
            ['in', 'a'],
            ['a', 'out'],
            ['a', 'in'],
          ],
        }),
        'BYTEOR_E_PLAN_DIRECTION',
        'lane_graph.connections.2.to',
      ],
      [
        plan({
          stages: [['a', 'identity']],
          conns: [
            ['in', 'a'],
            ['a', 'a'],
            ['a', 'out'],
          ],
        }),
        'BYTEOR_E_PLAN_SELF_CONNECTION',
        'lane_graph.connections.1.to',
      ],
      [
        plan({
          stages: [['a', 'identity']],
          conns: [
            ['in', 'a'],
            ['a', 'out'],
            ['in', 'a'],
          ],
        }),
        'BYTEOR_E_PLAN_DUPLICATE_CONNECTION',
        'lane_graph.connections.2.to',
      ],
      [
        plan({ stages: [['in', 'identity']], conns: [['in', 'out']] }),
        'BYTEOR_E_PLAN_DUPLICATE_NAME',
        'lane_graph.stages.0.name',
      ],
      [
        plan({
          stages: [
            ['a', 'identity'],
            ['b', 'identity'],
          ],
          conns: [
            ['in', 'a'],
            ['a', 'out'],
          ],
        }),
        'BYTEOR_E_PLAN_UNCONNECTED',
        'lane_graph.stages.1.name',
      ],
    ];
    for (const [text, code, key] of cases) {
      const c = await check(text);
      assert.not.ok(c.ok);
      const hits = c.errors.filter((e) => e.code === code);
      assert.ok(hits.length >= 1, `${code}: ${JSON.stringify(c.errors)}`);
      assert.is(hits[0]!.key, key);
      assert.is(hits[0]!.line, lineOf(text, key), `${code} line`);
      assert.is(c.hash, null, 'an invalid plan has no spec hash');
    }
    const empty = await check(kv(...LG_HEADER, 'lane_graph.stages.0.name=a', 'lane_graph.stages.0.key=identity'));
    assert.equal(codes(empty.errors).filter((c) => c === 'BYTEOR_E_PLAN_EMPTY').length, 2);
    const cyc = plan({
      stages: [
        ['a', 'identity'],
        ['b', 'identity'],
      ],
      conns: [
        ['in', 'a'],
        ['a', 'b'],
        ['b', 'a'],
        ['b', 'out'],
      ],
    });
    expectOne((await check(cyc)).errors, 'BYTEOR_E_PLAN_CYCLE', {
      message: 'the plan has a cycle: a -> b -> a; a lane graph must be a DAG',
      line: lineOf(cyc, 'lane_graph.connections.2.to'),
    });
  },
);

test(
  'property: lowering is deterministic and every ' + 'lowered plan of a random DAG is a valid explicit spec',
  async () => {
    const dag = fc.integer({ min: 1, max: 5 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        edges: fc.array(
          fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.constantFrom('events', 'fanout_broadcast', 'journal')),
          { maxLength: 8 },
        ),
        chain: fc.array(fc.constantFrom('events', 'fanout_broadcast', 'journal'), {
          minLength: n + 1,
          maxLength: n + 1,
        }),
      }),
    );
    const samples = fc.sample(dag, { seed: 0x10, numRuns: 60 });
    const kinds = new Set<string>();
    for (const { n, edges, chain } of samples) {
      const stages = Array.from({ length: n }, (_, i) => [`s${i}`, i % 2 ? 'upper' : 'identity'] as [string, string]);
      const conns: Conn[] = [];
      const seen = new Set<string>();
      const add = (f: string, t: string, l = 'events') => {
        if (!seen.has(`${f}>${t}`)) {
          seen.add(`${f}>${t}`);
          conns.push([f, t, l]);
        }
      };
      for (let i = 0; i < n; i++) add(i === 0 ? 'in' : `s${i - 1}`, `s${i}`, chain[i]);
      for (const [a, b, l] of edges) if (a < b) add(`s${a}`, `s${b}`, l);
      add(`s${n - 1}`, 'out', chain[n]);
      const text = plan({ extra: ['lane_graph.features.0=journal'], stages, conns });
      const one = decodeSpecText(text);
      const two = decodeSpecText(text);
      assert.is(encodeSpec(one.spec!), encodeSpec(two.spec!));
      assert.equal(one.report, two.report);
      const c = await check(text);
      assert.equal(c.errors, [], text);
      for (const d of c.report!.diagnostics) kinds.add(d.code);
    }
    // the sample exercises every kind of lowering action
    assert.equal([...kinds].sort(), [
      'BYTEOR_L_BRIDGE_INSERTED',
      'BYTEOR_L_FANOUT_LANE',
      'BYTEOR_L_MERGE_INSERTED',
      'BYTEOR_L_ROUTER_INSERTED',
    ]);
  },
);

test.run();
