import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { definePlugin, PLUGIN_API_VERSION } from '../../kernel/index.ts';
import { check, codes, coreKernel, expectOne, kv, lineOf, SR_HEADER } from './helpers.ts';

/** a SingleRing spec: header + settings + stages given as [key, ...depends_on] */
function ring(settings: string[], stages: Array<[string, ...number[]]>): string {
  const lines = [...SR_HEADER, ...settings];
  stages.forEach(([key, ...deps], i) => {
    lines.push(`single_ring.stages.${i}.key=${key}`);
    deps.forEach((d, j) => lines.push(`single_ring.stages.${i}.depends_on.${j}=${d}`));
  });
  return kv(...lines);
}
const CHAIN: Array<[string, ...number[]]> = [['identity'], ['upper', 0], ['identity', 1]];

test('a valid chain, diamond and sharded ring pass with a hash', async () => {
  for (const text of [
    ring([], CHAIN),
    ring([], [['identity'], ['upper', 0], ['identity', 0], ['identity', 1, 2]]),
    ring(['single_ring.shards=4', 'single_ring.ordering=per_key', 'single_ring.shard_key=prefix:3'], CHAIN),
  ]) {
    const c = await check(text);
    assert.equal(c.errors, [], text);
    assert.ok(c.ok);
    assert.match(c.hash!, /^sha256:[0-9a-f]{64}$/);
  }
});

// ---- ByteOr's published checks: exact messages, in ByteOr's order -------------------------------

test('single_ring.shards must be >= 1 (verbatim, with line)', async () => {
  const t = ring(['single_ring.shards=0'], CHAIN);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_SHARDS', {
    message: 'single_ring.shards must be >= 1',
    line: lineOf(t, 'single_ring.shards'),
    key: 'single_ring.shards',
  });
});

test('single_ring producer mpmc is not supported in v1 (verbatim, with line)', async () => {
  const t = ring(['single_ring.producer=mpmc'], CHAIN);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_PRODUCER', {
    message: 'single_ring producer mpmc is not supported in v1',
    line: lineOf(t, 'single_ring.producer'),
  });
});

test('single_ring scheduling work_queue is not supported in v1 (verbatim, with line)', async () => {
  const t = ring(['single_ring.scheduling=work_queue'], CHAIN);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_SCHEDULING', {
    message: 'single_ring scheduling work_queue is not supported in v1',
    line: lineOf(t, 'single_ring.scheduling'),
  });
});

test(
  'single_ring ordering strict is not compatible with ' + 'shards>1 in v1 (verbatim; strict is the default)',
  async () => {
    const t = ring(['single_ring.shards=2'], CHAIN);
    const e = expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_ORDERING', {
      message: 'single_ring ordering strict is not compatible with shards>1 in v1',
      key: 'single_ring.ordering',
    });
    assert.is(e.line, undefined, 'the default ordering has no line');
    const t2 = ring(['single_ring.shards=2', 'single_ring.ordering=strict'], CHAIN);
    expectOne((await check(t2)).errors, 'BYTEOR_E_SPEC_SR_ORDERING', { line: lineOf(t2, 'single_ring.ordering') });
  },
);

test('ByteOr order: shards, producer, scheduling, ordering, stages', async () => {
  const c = await check(
    ring(['single_ring.shards=0', 'single_ring.producer=mpmc', 'single_ring.scheduling=work_queue'], []),
  );
  assert.equal(codes(c.errors), [
    'BYTEOR_E_SPEC_SR_SHARDS',
    'BYTEOR_E_SPEC_SR_PRODUCER',
    'BYTEOR_E_SPEC_SR_SCHEDULING',
    'BYTEOR_E_SPEC_SR_NO_STAGES',
  ]);
  const d = await check(
    ring(['single_ring.shards=3', 'single_ring.scheduling=work_queue', 'single_ring.producer=mpmc'], CHAIN),
  );
  assert.equal(codes(d.errors), [
    'BYTEOR_E_SPEC_SR_PRODUCER',
    'BYTEOR_E_SPEC_SR_SCHEDULING',
    'BYTEOR_E_SPEC_SR_ORDERING',
  ]);
});

// ---- the rest of the v1 semantics -------------------------------------------------------------

test('at least one stage', async () => {
  expectOne((await check(ring([], []))).errors, 'BYTEOR_E_SPEC_SR_NO_STAGES', {
    message: 'single_ring requires at least one stage; add single_ring.stages.0.key=KEY',
  });
});

test('at most 4 stages (SEQUENCED_SLOTS_V1_GATING)', async () => {
  const t = ring([], [['identity'], ['upper', 0], ['identity', 1], ['identity', 2], ['identity', 3]]);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_TOO_MANY_STAGES', {
    message: 'single_ring has 5 stages; v1 supports at most 4 stages per ring (one gating sequence each)',
    line: lineOf(t, 'single_ring.stages.4.key'),
  });
  assert.ok((await check(ring([], [['identity'], ['upper', 0], ['identity', 1], ['identity', 2]]))).ok);
});

test('depends_on strictly increasing and duplicate-free', async () => {
  const dup = ring([], [['identity'], ['upper', 0], ['identity', 0, 0]]);
  expectOne((await check(dup)).errors, 'BYTEOR_E_SPEC_SR_DEPENDS_ORDER', {
    message: 'single_ring.stages.2.depends_on must be strictly increasing and duplicate-free, got [0, 0]',
    line: lineOf(dup, 'single_ring.stages.2.depends_on.1'),
  });
  const dec = ring([], [['identity'], ['upper', 0], ['identity', 1, 0]]);
  expectOne((await check(dec)).errors, 'BYTEOR_E_SPEC_SR_DEPENDS_ORDER', {
    line: lineOf(dec, 'single_ring.stages.2.depends_on.1'),
  });
});

test('no self dependency', async () => {
  const t = ring([], [['identity'], ['upper', 1]]);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_SELF_DEPENDENCY', {
    message: 'single_ring.stages.1 depends on itself; a stage depends only on earlier stages',
    line: lineOf(t, 'single_ring.stages.1.depends_on.0'),
  });
});

test('no forward dependency (topological order)', async () => {
  const t = ring(
    [],
    [
      ['identity', 1],
      ['upper', 0],
    ],
  );
  const c = await check(t);
  expectOne(c.errors, 'BYTEOR_E_SPEC_SR_FORWARD_DEPENDENCY', {
    message:
      'single_ring.stages.0 depends on stage 1, a later stage; list stages in topological order and depend only ' +
      'on earlier stages',
    line: lineOf(t, 'single_ring.stages.0.depends_on.0'),
  });
});

test('a dependency on a stage that does not exist', async () => {
  const t = ring([], [['identity'], ['upper', 7]]);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_UNKNOWN_DEPENDENCY', {
    message: 'single_ring.stages.1 depends on stage 7, which does not exist (stages are 0..1)',
    line: lineOf(t, 'single_ring.stages.1.depends_on.0'),
  });
  const n = ring([], [['identity'], ['upper', -1]]);
  expectOne((await check(n)).errors, 'BYTEOR_E_SPEC_SR_UNKNOWN_DEPENDENCY', {
    line: lineOf(n, 'single_ring.stages.1.depends_on.0'),
  });
});

test('identity rule: a non-source, non-identity stage must declare depends_on', async () => {
  const t = ring([], [['identity'], ['upper']]);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_IMPLICIT_DEPENDENCY', {
    message:
      'single_ring.stages.1 (upper) must declare depends_on: only the first stage and identity stages may read ' +
      'the ring without an explicit dependency',
    line: lineOf(t, 'single_ring.stages.1.key'),
  });
  // an identity stage may read the cursor directly (here joined by the final stage)
  assert.equal((await check(ring([], [['upper'], ['identity'], ['identity', 0, 1]]))).errors, []);
});

test('join: every stage must be upstream of the final (releasing) stage', async () => {
  const t = ring([], [['identity'], ['upper', 0], ['identity', 0]]);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_UNJOINED_STAGE', {
    message:
      'single_ring.stages.1 (upper) is not a dependency, direct or transitive, of the final stage 2; the final ' +
      'stage releases each slot to egress, so it must depend on every other stage',
    line: lineOf(t, 'single_ring.stages.1.key'),
  });
});

test('shards at most SINGLE_RING_MAX_SHARDS', async () => {
  const t = ring(['single_ring.shards=65', 'single_ring.ordering=per_key'], CHAIN);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_SHARDS_MAX', {
    message: 'single_ring.shards must be <= 64, got 65',
    line: lineOf(t, 'single_ring.shards'),
  });
});

test('capacity: a power of two from 2 to 2^24', async () => {
  for (const cap of [0, 1000, 1, 1 << 25, -4]) {
    const t = ring([`single_ring.capacity=${cap}`], CHAIN);
    expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_CAPACITY', {
      message: `single_ring.capacity must be a power of two from 2 to 16777216, got ${cap}`,
      line: lineOf(t, 'single_ring.capacity'),
    });
  }
});

test('slot_bytes from 1 to 1 MiB', async () => {
  const t = ring(['single_ring.slot_bytes=0'], CHAIN);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SLOT_BYTES', {
    message: 'single_ring.slot_bytes must be from 1 to 1048576, got 0',
    line: lineOf(t, 'single_ring.slot_bytes'),
  });
});

test('ring memory bound: shards x capacity x (slot_bytes + 8) <= 1 GiB', async () => {
  const t = ring(
    [
      'single_ring.shards=64',
      'single_ring.ordering=per_key',
      'single_ring.capacity=65536',
      'single_ring.slot_bytes=4096',
    ],
    CHAIN,
  );
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_MEMORY', {
    line: lineOf(t, 'single_ring.capacity'),
    message: /^single_ring needs 17213423616 bytes of ring memory/,
  });
});

test(
  'shard_key: record, prefix:<n>, delimited:<c>:<field>; anything else is an error; unused with one shard is a ' +
    'warning',
  async () => {
    for (const sk of ['prefix:0', 'prefix:x', 'delimited:,', 'delimited::x:1', 'hash', 'delimited:,:01']) {
      const t = ring(['single_ring.shards=2', 'single_ring.ordering=per_key', `single_ring.shard_key=${sk}`], CHAIN);
      expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_SR_SHARD_KEY', { line: lineOf(t, 'single_ring.shard_key') });
    }
    for (const sk of ['record', 'prefix:8', 'delimited:,:0', 'delimited:|:12', 'delimited:::3']) {
      const c = await check(
        ring(['single_ring.shards=2', 'single_ring.ordering=per_key', `single_ring.shard_key=${sk}`], CHAIN),
      );
      assert.equal(c.errors, [], sk);
    }
    const w = ring(['single_ring.shard_key=prefix:4'], CHAIN);
    const c = await check(w);
    assert.ok(c.ok);
    expectOne(c.warnings, 'BYTEOR_W_SPEC_SHARD_KEY_UNUSED', { line: lineOf(w, 'single_ring.shard_key') });
  },
);

test('an unknown stage key is an error naming the key and suggesting --plugin', async () => {
  const t = ring([], [['identity'], ['http_post:https://example.com/x', 0]]);
  const e = expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_UNKNOWN_STAGE', {
    line: lineOf(t, 'single_ring.stages.1.key'),
    key: 'single_ring.stages.1.key',
  });
  assert.match(e.message, /^single_ring\.stages\.1\.key=http_post:https:\/\/example\.com\/x: unknown stage key/);
  assert.match(e.message, /--plugin=NAME\|PATH/);
  assert.match(e.message, /loaded stage keys: .*identity/);
});

test("a stage family's check() message is an error naming the family and plugin", async () => {
  const t = ring([], [['identity'], ['drop_if:', 0]]);
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_STAGE_CHECK', {
    message:
      'single_ring.stages.1.key=drop_if:: drop_if: needs the text to drop, e.g. drop_if:skip (stage family ' +
      'drop_if:... of plugin "core-stages")',
    line: lineOf(t, 'single_ring.stages.1.key'),
  });
});

test('a check() that throws is reported as an error naming the plugin, not a crash', async () => {
  const k = await coreKernel();
  k.install(
    definePlugin({
      name: 'throwing-check',
      version: '1.0.0',
      apiVersion: PLUGIN_API_VERSION,
      setup(h) {
        h.registerStage({
          key: 'boom',
          summary: 'x',
          policyClass: 'pure',
          replay: 'supported',
          check() {
            throw new Error('kaput');
          },
          create: () => ({ onBatch() {} }),
        });
      },
    }),
    'test:throwing-check',
  );
  const t = ring([], [['boom']]);
  expectOne((await check(t, k)).errors, 'BYTEOR_E_SPEC_STAGE_CHECK', {
    message:
      /^single_ring\.stages\.0\.key=boom: plugin "throwing-check" failed in [^:]*: kaput \(stage family boom of plugin "throwing-check"\)$/,
    line: lineOf(t, 'single_ring.stages.0.key'),
  });
});

test(
  'hooks.validateSpec: plugin rules run after the kernel ' + 'rules pass; their diagnostics get lines from their keys',
  async () => {
    const k = await coreKernel();
    let calls = 0;
    k.install(
      definePlugin({
        name: 'house-rules',
        version: '1.0.0',
        apiVersion: PLUGIN_API_VERSION,
        setup(h) {
          h.hooks.validateSpec.tap('house-rules', (spec, sink) => {
            calls++;
            if (spec.model === 'single_ring' && spec.single_ring.wait === 'spin')
              sink.error({
                code: 'BYTEOR_E_HOUSE_NO_SPIN',
                message: 'spin is not allowed here',
                key: 'single_ring.wait',
              });
            sink.warning({ code: 'BYTEOR_W_HOUSE_NOTE', message: 'checked by house rules' });
          });
        },
      }),
      'test:house-rules',
    );
    const t = ring(['single_ring.wait=spin'], CHAIN);
    const c = await check(t, k);
    assert.not.ok(c.ok);
    expectOne(c.errors, 'BYTEOR_E_HOUSE_NO_SPIN', { line: lineOf(t, 'single_ring.wait') });
    expectOne(c.warnings, 'BYTEOR_W_HOUSE_NOTE');
    const before = calls;
    await check(ring(['single_ring.shards=0'], CHAIN), k);
    assert.is(calls, before, 'plugin rules do not run on a spec the kernel rules reject');
  },
);

test(
  'a validateSpec tap that throws fails the check naming ' + 'the plugin and the hook (exit 1), not as a spec error',
  async () => {
    const k = await coreKernel();
    k.install(
      definePlugin({
        name: 'broken-rules',
        version: '1.0.0',
        apiVersion: PLUGIN_API_VERSION,
        setup(h) {
          h.hooks.validateSpec.tap('broken-rules', () => {
            throw new Error('rule crashed');
          });
        },
      }),
      'test:broken-rules',
    );
    try {
      await check(ring([], CHAIN), k);
      assert.unreachable('should throw');
    } catch (e: any) {
      assert.is(e.code, 'BYTEOR_E_PLUGIN_HOOK');
      assert.is(e.exitCode, 1);
      assert.is(e.details.plugin, 'broken-rules');
      assert.is(e.details.hook, 'validateSpec');
      assert.match(e.message, /rule crashed/);
    }
  },
);

test('errors of an authored chain point at the chain lines', async () => {
  const t = kv(...SR_HEADER, 'single_ring.chain.0=identity', 'single_ring.chain.1=nope');
  expectOne((await check(t)).errors, 'BYTEOR_E_SPEC_UNKNOWN_STAGE', {
    line: lineOf(t, 'single_ring.chain.1'),
    key: 'single_ring.stages.1.key',
  });
});

test.run();
