import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, codes, expectOne, kv, LG_HEADER, lineOf } from './helpers.ts';

type Lane = { name: string; kind?: string; capacity?: number; consumers?: number };
type Endpoint = { name: string; kind: 'ingress' | 'egress'; lane: string };
type Role = {
  name: string;
  kind: string;
  key?: string;
  inputs?: string[];
  outputs?: string[];
  mode?: string;
  policy?: string;
};
interface Graph {
  settings?: string[];
  lanes: Lane[];
  endpoints: Endpoint[];
  roles: Role[];
}

function graph(g: Graph): string {
  const L = ['lane_graph.on_full=block', ...(g.settings ?? [])];
  g.lanes.forEach((l, i) => {
    const p = `lane_graph.lanes.${i}`;
    L.push(`${p}.name=${l.name}`, `${p}.kind=${l.kind ?? 'events'}`);
    if (l.capacity !== undefined) L.push(`${p}.capacity=${l.capacity}`);
    if (l.consumers !== undefined) L.push(`${p}.consumers=${l.consumers}`);
  });
  g.endpoints.forEach((e, i) =>
    L.push(
      `lane_graph.endpoints.${i}.name=${e.name}`,
      `lane_graph.endpoints.${i}.kind=${e.kind}`,
      `lane_graph.endpoints.${i}.lane=${e.lane}`,
    ),
  );
  g.roles.forEach((r, i) => {
    const p = `lane_graph.roles.${i}`;
    L.push(`${p}.name=${r.name}`, `${p}.kind=${r.kind}`);
    if (r.key !== undefined) L.push(`${p}.key=${r.key}`);
    (r.inputs ?? []).forEach((x, j) => L.push(`${p}.inputs.${j}=${x}`));
    (r.outputs ?? []).forEach((x, j) => L.push(`${p}.outputs.${j}=${x}`));
    if (r.mode !== undefined) L.push(`${p}.mode=${r.mode}`);
    if (r.policy !== undefined) L.push(`${p}.policy=${r.policy}`);
  });
  return kv(...LG_HEADER, ...L);
}

/** in -> a -> out */
const base = (): Graph => ({
  lanes: [{ name: 'l0' }, { name: 'l1' }],
  endpoints: [
    { name: 'in', kind: 'ingress', lane: 'l0' },
    { name: 'out', kind: 'egress', lane: 'l1' },
  ],
  roles: [{ name: 'a', kind: 'stage', key: 'identity', inputs: ['l0'], outputs: ['l1'] }],
});

/** in -> a -> [fanout f, 2 readers] -> b, c -> merge m -> out */
const fanMerge = (): Graph => ({
  lanes: [
    { name: 'l0' },
    { name: 'f', kind: 'fanout_broadcast', consumers: 2 },
    { name: 'b.out' },
    { name: 'c.out' },
    { name: 'm.out' },
  ],
  endpoints: [
    { name: 'in', kind: 'ingress', lane: 'l0' },
    { name: 'out', kind: 'egress', lane: 'm.out' },
  ],
  roles: [
    { name: 'a', kind: 'stage', key: 'identity', inputs: ['l0'], outputs: ['f'] },
    { name: 'b', kind: 'stage', key: 'upper', inputs: ['f'], outputs: ['b.out'] },
    { name: 'c', kind: 'stage', key: 'identity', inputs: ['f'], outputs: ['c.out'] },
    { name: 'm', kind: 'merge', inputs: ['b.out', 'c.out'], outputs: ['m.out'] },
  ],
});

test('valid graphs pass: a line, a fanout with a merge, a router, a bridge to a gated kind', async () => {
  const routed: Graph = {
    settings: ['lane_graph.features.0=journal'],
    lanes: [{ name: 'l0' }, { name: 'r.in' }, { name: 'x' }, { name: 'y', kind: 'journal' }, { name: 'y.ev' }],
    endpoints: [
      { name: 'in', kind: 'ingress', lane: 'l0' },
      { name: 'o1', kind: 'egress', lane: 'x' },
      { name: 'o2', kind: 'egress', lane: 'y.ev' },
    ],
    roles: [
      { name: 'a', kind: 'stage', key: 'identity', inputs: ['l0'], outputs: ['r.in'] },
      { name: 'r', kind: 'router', inputs: ['r.in'], outputs: ['x', 'y'], mode: 'work_queue' },
      { name: 'br', kind: 'bridge', inputs: ['y'], outputs: ['y.ev'] },
    ],
  };
  for (const g of [base(), fanMerge(), routed]) {
    const c = await check(graph(g));
    assert.equal(c.errors, [], graph(g));
  }
});

test('features: only gated lane kinds, each once', async () => {
  const t = graph({
    ...base(),
    settings: ['lane_graph.features.0=events', 'lane_graph.features.1=journal', 'lane_graph.features.2=journal'],
  });
  const c = await check(t);
  assert.equal(codes(c.errors), ['BYTEOR_E_SPEC_LG_FEATURE', 'BYTEOR_E_SPEC_LG_FEATURE']);
  assert.is(
    c.errors[0]!.message,
    'lane_graph.features.0=events is not a feature; features unlock the gated lane kinds journal, sequenced_slots',
  );
  assert.is(c.errors[0]!.line, lineOf(t, 'lane_graph.features.0'));
  assert.is(c.errors[1]!.message, 'lane_graph.features.2=journal is listed twice');
});

test('slot_bytes range', async () => {
  const t = graph({ ...base(), settings: ['lane_graph.slot_bytes=2000000'] });
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SLOT_BYTES', {
    line: lineOf(t, 'lane_graph.slot_bytes'),
    message: 'lane_graph.slot_bytes must be from 1 to 1048576, got 2000000',
  });
});

test('at least one ingress, one egress and one stage role', async () => {
  const c = await check(graph({ lanes: [], endpoints: [], roles: [] }));
  assert.equal(codes(c.errors), [
    'BYTEOR_E_SPEC_LG_BOUNDARY',
    'BYTEOR_E_SPEC_LG_BOUNDARY',
    'BYTEOR_E_SPEC_LG_NO_STAGES',
  ]);
  assert.is(
    c.errors[0]!.message,
    'lane_graph needs at least one ingress endpoint (lane_graph.endpoints.<i>.kind=ingress)',
  );
});

test('names are unique: lanes among lanes, endpoints and roles together', async () => {
  const g = base();
  g.lanes.push({ name: 'l1' });
  g.roles[0]!.name = 'in';
  const t = graph(g);
  const c = await check(t);
  expectOne(
    c.errors.filter((e) => e.key?.startsWith('lane_graph.lanes')),
    'BYTEOR_E_SPEC_LG_DUPLICATE_NAME',
    {
      message: 'lane name "l1" is used by lane_graph.lanes.1 and lane_graph.lanes.2',
      line: lineOf(t, 'lane_graph.lanes.2.name'),
    },
  );
  expectOne(
    c.errors.filter((e) => e.key?.startsWith('lane_graph.roles')),
    'BYTEOR_E_SPEC_LG_DUPLICATE_NAME',
    {
      message:
        'name "in" is used by lane_graph.endpoints.0 and lane_graph.roles.0; endpoints and roles share one namespace',
      line: lineOf(t, 'lane_graph.roles.0.name'),
    },
  );
});

test('feature-gated lane kinds need lane_graph.features.<j>=<kind>', async () => {
  const g = base();
  g.lanes[1] = { name: 'l1', kind: 'sequenced_slots' };
  g.lanes.push({ name: 'l2' });
  g.roles.push({ name: 'br', kind: 'bridge', inputs: ['l1'], outputs: ['l2'] });
  g.endpoints[1]!.lane = 'l2';
  const t = graph(g);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_LG_FEATURE_GATED', {
    message:
      'lane_graph.lanes.1 ("l1") is a sequenced_slots lane, a feature-gated kind: enable it with ' +
      'lane_graph.features.<j>=sequenced_slots',
    line: lineOf(t, 'lane_graph.lanes.1.kind'),
  });
  assert.equal((await check(graph({ ...g, settings: ['lane_graph.features.0=sequenced_slots'] }))).errors, []);
});

test('capacities: > 0, and a power of two', async () => {
  const g = base();
  g.lanes[0]!.capacity = 0;
  g.lanes[1]!.capacity = 100;
  const t = graph(g);
  const c = await check(t);
  assert.equal(
    c.errors.map((e) => [e.code, e.message, e.line]),
    [
      [
        'BYTEOR_E_SPEC_LG_CAPACITY',
        'lane_graph.lanes.0.capacity must be > 0, got 0',
        lineOf(t, 'lane_graph.lanes.0.capacity'),
      ],
      [
        'BYTEOR_E_SPEC_LG_CAPACITY',
        'lane_graph.lanes.1.capacity must be a power of two from 2 to 16777216, got 100',
        lineOf(t, 'lane_graph.lanes.1.capacity'),
      ],
    ],
  );
});

test('fanout consumers: required, > 0 and at most FANOUT_V1_MAX_CONSUMERS (8)', async () => {
  for (const [consumers, msg] of [
    [0, /must be > 0 and at most FANOUT_V1_MAX_CONSUMERS=8, got 0$/],
    [9, /got 9$/],
  ] as const) {
    const g = fanMerge();
    g.lanes[1]!.consumers = consumers;
    const t = graph(g);
    expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_LG_FANOUT_CONSUMERS', {
      message: msg,
      line: lineOf(t, 'lane_graph.lanes.1.consumers'),
    });
  }
  const g = fanMerge();
  delete g.lanes[1]!.consumers;
  const t = graph(g);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_LG_FANOUT_CONSUMERS', {
    message: 'lane_graph.lanes.1 ("f") is a fanout_broadcast lane and needs lane_graph.lanes.1.consumers (1 to 8)',
    line: lineOf(t, 'lane_graph.lanes.1.kind'),
  });
});

test('consumers only on fanout_broadcast lanes', async () => {
  const g = base();
  g.lanes[0]!.consumers = 1;
  const t = graph(g);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_LG_CONSUMERS_NOT_FANOUT', {
    line: lineOf(t, 'lane_graph.lanes.0.consumers'),
  });
});

test('references resolve: endpoint lanes and role inputs/outputs name declared lanes', async () => {
  const g = base();
  g.endpoints[0]!.lane = 'nope';
  g.roles[0]!.outputs = ['gone'];
  const t = graph(g);
  const c = await check(t);
  assert.equal(
    c.errors.filter((e) => e.code === 'BYTEOR_E_SPEC_LG_UNKNOWN_LANE').map((e) => [e.message, e.line]),
    [
      [
        'lane_graph.endpoints.0.lane=nope: ingress "in" names no lane of lane_graph.lanes',
        lineOf(t, 'lane_graph.endpoints.0.lane'),
      ],
      [
        'lane_graph.roles.0.outputs.0=gone: role "a" names no lane of lane_graph.lanes',
        lineOf(t, 'lane_graph.roles.0.outputs.0'),
      ],
    ],
  );
});

test('role shapes: stage 1->1 with a key, router 1->2+, merge 2+->1, bridge 1->1 across kinds', async () => {
  const cases: Array<[(g: Graph) => void, RegExp]> = [
    [
      (g) => {
        delete g.roles[0]!.key;
      },
      /\("a", stage\) needs a stage key: lane_graph\.roles\.0\.key=KEY$/,
    ],
    [
      (g) => {
        g.roles[0]!.outputs = ['l1', 'l0'];
      },
      /must read exactly one lane and write exactly one lane \(has 1 input\(s\), 2 output\(s\)\)/,
    ],
    [
      (g) => {
        g.roles[0] = { name: 'a', kind: 'router', inputs: ['l0'], outputs: ['l1'] };
      },
      /\("a", router\) must read exactly one lane and write two or more/,
    ],
    [
      (g) => {
        g.roles[0] = { name: 'a', kind: 'merge', inputs: ['l0'], outputs: ['l1'] };
      },
      /\("a", merge\) must read two or more lanes and write exactly one/,
    ],
    [
      (g) => {
        g.roles[0] = { name: 'a', kind: 'bridge', inputs: ['l0'], outputs: ['l1'] };
      },
      /\("a", bridge\) connects two events lanes/,
    ],
    [
      (g) => {
        g.roles[0]!.inputs = ['l0', 'l0'];
      },
      /lists an input lane twice$/,
    ],
  ];
  for (const [mutate, re] of cases) {
    const g = base();
    mutate(g);
    const c = await check(graph(g));
    const shape = c.errors.filter((e) => e.code === 'BYTEOR_E_SPEC_LG_ROLE_SHAPE');
    assert.ok(
      shape.some((e) => re.test(e.message) && e.line !== undefined),
      `${re}: ${JSON.stringify(c.errors)}`,
    );
  }
});

test('role fields: key only on stages, mode only on routers, policy only on merges', async () => {
  const g = fanMerge();
  g.roles[3]!.key = 'identity';
  g.roles[3]!.mode = 'broadcast';
  g.roles[0]!.policy = 'round_robin';
  const t = graph(g);
  const c = await check(t);
  const f = c.errors.filter((e) => e.code === 'BYTEOR_E_SPEC_LG_ROLE_FIELD');
  assert.equal(
    f.map((e) => [e.message, e.line]),
    [
      [
        'lane_graph.roles.0.policy is only allowed on merge roles; "a" is a stage',
        lineOf(t, 'lane_graph.roles.0.policy'),
      ],
      ['lane_graph.roles.3.key is only allowed on stage roles; "m" is a merge', lineOf(t, 'lane_graph.roles.3.key')],
      ['lane_graph.roles.3.mode is only allowed on router roles; "m" is a merge', lineOf(t, 'lane_graph.roles.3.mode')],
    ],
  );
});

test('each lane has exactly one writer', async () => {
  const g = base();
  g.lanes.push({ name: 'orphan' });
  const t = graph(g);
  const c = await check(t);
  const w = c.errors.filter((e) => e.code === 'BYTEOR_E_SPEC_LG_LANE_WRITERS');
  assert.equal(
    w.map((e) => [e.message, e.line]),
    [
      [
        'lane "orphan" must have exactly one writer (an ingress endpoint or a role output), has 0',
        lineOf(t, 'lane_graph.lanes.2.name'),
      ],
    ],
  );
  const g2 = fanMerge();
  g2.roles[2]!.outputs = ['b.out'];
  const c2 = await check(graph(g2));
  expectOne(
    c2.errors.filter((e) => e.message.startsWith('lane "b.out"')),
    'BYTEOR_E_SPEC_LG_LANE_WRITERS',
    {
      message:
        'lane "b.out" must have exactly one writer (an ingress endpoint or a role output), has 2: role "b", role "c"',
    },
  );
});

test('readers: one per non-fanout lane; a fanout lane has exactly `consumers` readers', async () => {
  const g = fanMerge();
  g.lanes[1]!.consumers = 3;
  const t = graph(g);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_LG_LANE_READERS', {
    message: 'fanout_broadcast lane "f" declares consumers=3 but is read by 2: role "b", role "c"',
    line: lineOf(t, 'lane_graph.lanes.1.name'),
  });
  const g2 = fanMerge();
  g2.lanes[1] = { name: 'f' };
  const c2 = await check(graph(g2));
  expectOne(c2.errors, 'BYTEOR_E_SPEC_LG_LANE_READERS', {
    message:
      /^events lane "f" must have exactly one reader .* has 2: role "b", role "c"; use a fanout_broadcast lane or a router role/,
  });
});

test('endpoints sit on events lanes', async () => {
  const g = base();
  g.lanes[1] = { name: 'l1', kind: 'fanout_broadcast', consumers: 1 };
  const t = graph(g);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_LG_BOUNDARY_KIND', {
    message:
      'lane_graph.endpoints.1 (egress "out") is on lane "l1" of kind fanout_broadcast; endpoints read events ' +
      'lanes only (put a bridge role in between)',
    line: lineOf(t, 'lane_graph.endpoints.1.lane'),
  });
});

test('the graph is a DAG', async () => {
  const g: Graph = {
    lanes: [{ name: 'l0' }, { name: 'm.out' }, { name: 'a.out' }, { name: 'back' }, { name: 'o' }],
    endpoints: [
      { name: 'in', kind: 'ingress', lane: 'l0' },
      { name: 'out', kind: 'egress', lane: 'o' },
    ],
    roles: [
      { name: 'm', kind: 'merge', inputs: ['l0', 'back'], outputs: ['m.out'] },
      { name: 'a', kind: 'stage', key: 'identity', inputs: ['m.out'], outputs: ['a.out'] },
      { name: 'r', kind: 'router', inputs: ['a.out'], outputs: ['back', 'o'] },
    ],
  };
  const t = graph(g);
  const c = await check(t);
  assert.equal(codes(c.errors), ['BYTEOR_E_SPEC_LG_CYCLE']);
  assert.is(
    c.errors[0]!.message,
    'lane_graph has a cycle: m -> a -> r -> m; the graph of roles and lanes must be a DAG',
  );
  assert.is(c.errors[0]!.line, lineOf(t, 'lane_graph.roles.0.name'));
});

test('stage keys of stage roles must resolve', async () => {
  const g = base();
  g.roles[0]!.key = 'dataguard_check';
  const t = graph(g);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_UNKNOWN_STAGE', {
    line: lineOf(t, 'lane_graph.roles.0.key'),
    message: /^lane_graph\.roles\.0\.key=dataguard_check: unknown stage key/,
  });
});

test.run();
