import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { decodeSpecText } from '../../kernel/spec/load.ts';
import { encodeSpec } from '../../kernel/spec/encode.ts';
import { canonicalTextHash, specHash } from '../../kernel/spec/hash.ts';
import { PipelineSpecV1 } from '../../kernel/spec/model.ts';
import { expectOne, kv, LG_HEADER, SR_HEADER } from './helpers.ts';

// ---- arbitraries for explicit specs (any shape the model accepts, valid by the rules or not) ----

const int = fc.integer({ min: -5, max: 5000 });
const printable = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,16}[\x21-\x7e])?$/);
const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,12}$/);
const header = {
  version: fc.constant(1 as const),
  name,
  plugins: fc.option(fc.array(printable, { minLength: 1, maxLength: 2 }), { nil: undefined }),
};
const singleRing = fc.record(
  {
    ...header,
    model: fc.constant('single_ring' as const),
    single_ring: fc.record({
      shards: int,
      ordering: fc.constantFrom('strict' as const, 'per_key' as const),
      producer: fc.constantFrom('single' as const, 'mpmc' as const),
      scheduling: fc.constantFrom('dedicated' as const, 'work_queue' as const),
      shard_key: fc.oneof(
        fc.constant('record'),
        fc.nat(64).map((n) => `prefix:${n}`),
        fc.constant('delimited:,:1'),
        printable,
      ),
      capacity: int,
      slot_bytes: int,
      wait: fc.constantFrom('spin' as const, 'backoff' as const, 'block' as const),
      stage_failure_policy: fc.constant('stop_pipeline' as const),
      stages: fc.array(
        fc.record({ key: printable, depends_on: fc.array(fc.integer({ min: -2, max: 8 }), { maxLength: 4 }) }),
        { maxLength: 6 },
      ),
    }),
  },
  { requiredKeys: ['version', 'name', 'model', 'single_ring'] },
);

const laneKind = fc.constantFrom(
  'events' as const,
  'fanout_broadcast' as const,
  'journal' as const,
  'sequenced_slots' as const,
);
const role = fc.constantFrom('stage' as const, 'bridge' as const, 'router' as const, 'merge' as const).chain((kind) =>
  fc.record(
    {
      name,
      kind: fc.constant(kind),
      key: kind === 'stage' ? printable : fc.option(printable, { nil: undefined }),
      inputs: fc.array(name, { maxLength: 3 }),
      outputs: fc.array(name, { maxLength: 3 }),
      // decoding states the defaults of router mode and merge policy, so canonical specs carry them
      mode:
        kind === 'router'
          ? fc.constantFrom('broadcast' as const, 'work_queue' as const)
          : fc.option(fc.constantFrom('broadcast' as const, 'work_queue' as const), { nil: undefined }),
      policy:
        kind === 'merge'
          ? fc.constant('round_robin' as const)
          : fc.option(fc.constant('round_robin' as const), { nil: undefined }),
      inserted: fc.option(fc.constant(true as const), { nil: undefined }),
    },
    {
      requiredKeys: [
        'name',
        'kind',
        'inputs',
        'outputs',
        ...(kind === 'router'
          ? ['mode' as const]
          : kind === 'merge'
            ? ['policy' as const]
            : kind === 'stage'
              ? ['key' as const]
              : []),
      ],
    },
  ),
);
const laneGraph = fc.record(
  {
    ...header,
    model: fc.constant('lane_graph' as const),
    lane_graph: fc.record({
      on_full: fc.constantFrom('block' as const, 'drop' as const),
      wait: fc.constantFrom('spin' as const, 'backoff' as const, 'block' as const),
      slot_bytes: int,
      features: fc.array(printable, { maxLength: 2 }),
      lanes: fc.array(
        fc.record(
          { name, kind: laneKind, capacity: int, consumers: fc.option(int, { nil: undefined }) },
          { requiredKeys: ['name', 'kind', 'capacity'] },
        ),
        { maxLength: 5 },
      ),
      endpoints: fc.array(
        fc.record({ name, kind: fc.constantFrom('ingress' as const, 'egress' as const), lane: name }),
        { maxLength: 3 },
      ),
      roles: fc.array(role, { maxLength: 5 }),
    }),
  },
  { requiredKeys: ['version', 'name', 'model', 'lane_graph'] },
);
const anySpec = fc.oneof(singleRing, laneGraph).map((s) => PipelineSpecV1.parse(s));

/** drop `undefined` fields so deep equality compares what a spec states */
const clean = (x: unknown) => JSON.parse(JSON.stringify(x));

function decodeOk(text: string): PipelineSpecV1 {
  const d = decodeSpecText(text);
  assert.equal(d.errors, [], text);
  assert.ok(d.spec);
  return d.spec!;
}

test('property: decode(encode(spec)) == spec, and encoding a decoded spec is a fixed point', () => {
  fc.assert(
    fc.property(anySpec, (spec) => {
      const text = encodeSpec(spec);
      const back = decodeOk(text);
      assert.equal(clean(back), clean(spec));
      assert.is(encodeSpec(back), text);
    }),
    { seed: 0xc0dec, numRuns: 400 },
  );
});

test('property: line order, comments and blank lines do not change the decoded spec or its hash', () => {
  fc.assert(
    fc.property(anySpec, fc.integer(), (spec, seed) => {
      const lines = encodeSpec(spec).trimEnd().split('\n');
      const shuffled = fc.sample(fc.shuffledSubarray(lines, { minLength: lines.length, maxLength: lines.length }), {
        seed,
        numRuns: 1,
      })[0]!;
      const noisy = shuffled.flatMap((l, i) => (i % 3 === 0 ? ['# note', '', l] : [l])).join('\r\n');
      const back = decodeOk(noisy);
      assert.is(specHash(back), specHash(spec));
    }),
    { seed: 0x5117, numRuns: 200 },
  );
});

const DEFAULT_LINES = [
  /^single_ring\.shards=1$/,
  /^single_ring\.ordering=strict$/,
  /^single_ring\.producer=single$/,
  /^single_ring\.scheduling=dedicated$/,
  /^single_ring\.shard_key=record$/,
  /^single_ring\.capacity=1024$/,
  /^single_ring\.slot_bytes=256$/,
  /^single_ring\.wait=backoff$/,
  /^single_ring\.stage_failure_policy=stop_pipeline$/,
  /^lane_graph\.on_full=block$/,
  /^lane_graph\.wait=backoff$/,
  /^lane_graph\.slot_bytes=256$/,
  /^lane_graph\.lanes\.\d+\.capacity=1024$/,
];

test('property: a spec that omits its defaults has the same canonical text and hash as one that states them', () => {
  fc.assert(
    fc.property(anySpec, (spec) => {
      const text = encodeSpec(spec);
      const lines = text.trimEnd().split('\n');
      // router mode and merge policy have defaults only on routers and merges
      const ofKind = (k: string) =>
        new Set(
          lines
            .filter((l) => new RegExp(`^lane_graph\\.roles\\.\\d+\\.kind=${k}$`).test(l))
            .map((l) => l.split('.')[2]),
        );
      const routers = ofKind('router');
      const merges = ofKind('merge');
      const omitted =
        lines
          .filter(
            (l) =>
              !DEFAULT_LINES.some((re) => re.test(l)) &&
              !(/^lane_graph\.roles\.\d+\.mode=broadcast$/.test(l) && routers.has(l.split('.')[2])) &&
              !(/^lane_graph\.roles\.\d+\.policy=round_robin$/.test(l) && merges.has(l.split('.')[2])),
          )
          .join('\n') + '\n';
      const back = decodeOk(omitted);
      assert.is(encodeSpec(back), text);
      assert.is(canonicalTextHash(encodeSpec(back)), specHash(spec));
    }),
    { seed: 0xdef, numRuns: 300 },
  );
});

test('canonical order: header, plugins, then model fields in model order, list elements by index', () => {
  const text = kv(
    'single_ring.stages.1.depends_on.0=0',
    'single_ring.stages.1.key=upper',
    'plugins.0=extra',
    'single_ring.stages.0.key=identity',
    ...SR_HEADER.slice().reverse(),
    'single_ring.wait=spin',
  );
  const d = decodeSpecText(text);
  // plugins.0=extra is decoded (loading it is load.ts's job)
  assert.is(
    encodeSpec(d.spec!),
    kv(
      'spec.version=1',
      'spec.model=single_ring',
      'spec.name=t',
      'plugins.0=extra',
      'single_ring.shards=1',
      'single_ring.ordering=strict',
      'single_ring.producer=single',
      'single_ring.scheduling=dedicated',
      'single_ring.shard_key=record',
      'single_ring.capacity=1024',
      'single_ring.slot_bytes=256',
      'single_ring.wait=spin',
      'single_ring.stage_failure_policy=stop_pipeline',
      'single_ring.stages.0.key=identity',
      'single_ring.stages.1.key=upper',
      'single_ring.stages.1.depends_on.0=0',
    ),
  );
});

test('encodeSpec refuses values that cannot be written as spec.kv', () => {
  const spec = decodeSpecText(kv(...SR_HEADER, 'single_ring.stages.0.key=identity')).spec!;
  const bad = {
    ...spec,
    single_ring: { ...(spec as any).single_ring, stages: [{ key: 'caf\u00e9', depends_on: [] }] },
  } as PipelineSpecV1;
  assert.throws(
    () => encodeSpec(bad),
    (e: any) => e.code === 'BYTEOR_E_SPEC_UNENCODABLE',
  );
});

// ---- decode errors -------------------------------------------------------------------------

test('a value of the wrong type is BYTEOR_E_SPEC_BAD_VALUE with key and line', () => {
  const cases: Array<[string, RegExp]> = [
    ['single_ring.shards=two', /^single_ring\.shards=two: expected a whole number/],
    ['single_ring.shards=01', /^single_ring\.shards=01: expected a whole number/],
    ['single_ring.capacity=1e3', /^single_ring\.capacity=1e3: expected a whole number/],
    ['single_ring.shards=99999999999999999999', /expected a whole number between/],
    ['single_ring.ordering=fifo', /^single_ring\.ordering=fifo: expected one of strict, per_key$/],
    ['single_ring.wait=sleep', /expected one of spin, backoff, block$/],
    ['single_ring.stage_failure_policy=continue', /expected one of stop_pipeline$/],
    ['single_ring.stages.0.depends_on.0=first', /expected a whole number/],
  ];
  for (const [line, re] of cases) {
    const d = decodeSpecText(kv(...SR_HEADER, 'single_ring.stages.0.key=identity', line));
    assert.is(d.spec, undefined);
    expectOne(d.errors, 'BYTEOR_E_SPEC_BAD_VALUE', { line: 5, message: re, key: line.split('=')[0] });
  }
  const lg = decodeSpecText(
    kv(...LG_HEADER, 'lane_graph.roles.0.name=a', 'lane_graph.roles.0.kind=stage', 'lane_graph.roles.0.inserted=yes'),
  );
  expectOne(lg.errors, 'BYTEOR_E_SPEC_BAD_VALUE', {
    line: 6,
    message: 'lane_graph.roles.0.inserted=yes: expected true or false',
  });
  const nm = decodeSpecText(kv('spec.version=1', 'spec.model=single_ring', 'spec.name=my pipeline'));
  expectOne(nm.errors, 'BYTEOR_E_SPEC_BAD_VALUE', { line: 3, key: 'spec.name' });
});

test('header: missing keys, unsupported version, unknown model', () => {
  const d = decodeSpecText(kv('spec.name=x'));
  assert.equal(
    d.errors.map((e) => [e.code, e.key, e.line]),
    [
      ['BYTEOR_E_SPEC_MISSING_KEY', 'spec.version', 1],
      ['BYTEOR_E_SPEC_MISSING_KEY', 'spec.model', 1],
    ],
  );
  assert.is(d.errors[0]!.message, 'spec.version is required (the spec format version: spec.version=1)');
  assert.is(d.model, null);
  const v = decodeSpecText(kv('spec.version=2', 'spec.model=single_ring', 'spec.name=x'));
  expectOne(v.errors, 'BYTEOR_E_SPEC_VERSION', {
    line: 1,
    message: 'spec.version=2 is not supported: this toolchain reads spec v1 (spec.version=1)',
  });
  const m = decodeSpecText(kv('spec.version=1', 'spec.model=ring', 'spec.name=x'));
  expectOne(m.errors, 'BYTEOR_E_SPEC_BAD_VALUE', {
    line: 2,
    message: 'spec.model=ring: expected one of single_ring, lane_graph',
  });
});

test("a stage without its key is BYTEOR_E_SPEC_MISSING_KEY placed at the stage's first line", () => {
  const d = decodeSpecText(
    kv(...SR_HEADER, 'single_ring.stages.0.key=identity', 'single_ring.stages.1.depends_on.0=0'),
  );
  expectOne(d.errors, 'BYTEOR_E_SPEC_MISSING_KEY', { key: 'single_ring.stages.1.key', line: 5 });
});

test('list indices: gaps, bad indices and a list written as a scalar are errors', () => {
  const gap = decodeSpecText(kv(...SR_HEADER, 'single_ring.stages.0.key=identity', 'single_ring.stages.2.key=upper'));
  expectOne(gap.errors, 'BYTEOR_E_SPEC_INDEX_GAP', {
    key: 'single_ring.stages.1',
    line: 5,
    message: /single_ring\.stages\.1 is missing/,
  });
  const bad = decodeSpecText(kv(...SR_HEADER, 'single_ring.stages.0.key=identity', 'single_ring.stages.01.key=upper'));
  expectOne(bad.errors, 'BYTEOR_E_SPEC_BAD_INDEX', { line: 5, key: 'single_ring.stages.01.key' });
  const big = decodeSpecText(kv(...SR_HEADER, 'single_ring.stages.5000.key=upper'));
  expectOne(big.errors, 'BYTEOR_E_SPEC_BAD_INDEX', { line: 4 });
  const scalar = decodeSpecText(
    kv(
      ...SR_HEADER,
      'single_ring.stages.0.key=identity',
      'single_ring.stages.1.key=upper',
      'single_ring.stages.1.depends_on=0',
    ),
  );
  expectOne(scalar.errors, 'BYTEOR_E_SPEC_NOT_A_LIST', {
    line: 6,
    message:
      'single_ring.stages.1.depends_on is a list: write single_ring.stages.1.depends_on.0=0 (and ' +
      'single_ring.stages.1.depends_on.1=..., in order)',
  });
});

test('an authored and an explicit form in one spec is BYTEOR_E_SPEC_MIXED_FORMS', () => {
  const sr = decodeSpecText(kv(...SR_HEADER, 'single_ring.chain.0=identity', 'single_ring.stages.0.key=identity'));
  expectOne(sr.errors, 'BYTEOR_E_SPEC_MIXED_FORMS', { line: 4 });
  const lg = decodeSpecText(
    kv(...LG_HEADER, 'lane_graph.lanes.0.name=a', 'lane_graph.lanes.0.kind=events', 'lane_graph.connections.0.from=x'),
  );
  expectOne(lg.errors, 'BYTEOR_E_SPEC_MIXED_FORMS', { line: 6 });
});

test('unknown keys are warnings with their line; keys of the other model say so', () => {
  const d = decodeSpecText(
    kv(
      ...SR_HEADER,
      'single_ring.stages.0.key=identity',
      'single_ring.stages.0.kye=x',
      'lane_graph.on_full=drop',
      'spec.owner=me',
    ),
  );
  assert.equal(d.errors, []);
  assert.ok(d.spec);
  expectOne(
    d.warnings.filter((w) => w.key === 'single_ring.stages.0.kye'),
    'BYTEOR_W_SPEC_UNKNOWN_KEY',
    { line: 5 },
  );
  expectOne(
    d.warnings.filter((w) => w.key === 'lane_graph.on_full'),
    'BYTEOR_W_SPEC_UNKNOWN_KEY',
    { line: 6, message: /belongs to spec\.model=lane_graph, and this spec is single_ring/ },
  );
  expectOne(
    d.warnings.filter((w) => w.key === 'spec.owner'),
    'BYTEOR_W_SPEC_UNKNOWN_KEY',
    { line: 7 },
  );
  assert.is(
    encodeSpec(d.spec!),
    encodeSpec(decodeSpecText(kv(...SR_HEADER, 'single_ring.stages.0.key=identity')).spec!),
  );
});

test(
  'lane_graph explicit decoding fills defaults (capacity, ' + 'router mode, merge policy) and drops inserted=false',
  () => {
    const d = decodeSpecText(
      kv(
        ...LG_HEADER,
        'lane_graph.lanes.0.name=a',
        'lane_graph.lanes.0.kind=events',
        'lane_graph.roles.0.name=r',
        'lane_graph.roles.0.kind=router',
        'lane_graph.roles.0.inserted=false',
        'lane_graph.roles.1.name=m',
        'lane_graph.roles.1.kind=merge',
      ),
    );
    assert.equal(d.errors, []);
    const g = (d.spec as any).lane_graph;
    assert.is(g.lanes[0].capacity, 1024);
    assert.equal(g.roles[0], { name: 'r', kind: 'router', inputs: [], outputs: [], mode: 'broadcast' });
    assert.equal(g.roles[1], { name: 'm', kind: 'merge', inputs: [], outputs: [], policy: 'round_robin' });
    assert.is(g.on_full, 'block');
  },
);

test.run();
