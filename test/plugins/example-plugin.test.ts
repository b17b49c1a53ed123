/**
 * The example third-party plugin (examples/plugins/acme-audit), loaded from source by path the
 * way an operator loads one: what it registers, its stage family's RecordBatch handling, its
 * adapter against a real file, its settings errors. End to end through `run --sp`, `snapshot`
 * and `incident-bundle` (stages in worker threads): test/plugins/example-plugin-run.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../kernel/cli.ts';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugin } from '../../kernel/plugin-loader.ts';
import { ByteorError, type RecordBatch, type StageContext, type StageCounter } from '../../kernel/index.ts';
import { captureIO } from '../kernel/capture-io.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'byteor-example-'));
const EXAMPLE = './examples/plugins/acme-audit';

async function cli(args: string[]) {
  const io = captureIO();
  const code = await main(args, { io, cwd: repo, env: {} });
  return { code, out: io.stdout(), err: io.stderr() };
}

async function kernelWithExample(inWorker = false) {
  const k = new Kernel({ inWorker });
  await loadPlugin(k, EXAMPLE, repo);
  return k;
}

/**
 * A RecordBatch over fixed-size slots in a SharedArrayBuffer (length word, then payload), as the ring lays them out.
 */
function slotBatch(records: string[], slotBytes: number) {
  const stride = 4 + slotBytes;
  const mem = new Uint8Array(new SharedArrayBuffer(64 + records.length * stride));
  const lens = new Int32Array(records.length);
  const dropped = new Uint8Array(records.length);
  records.forEach((r, i) => {
    const b = new TextEncoder().encode(r);
    mem.set(b, 64 + i * stride + 4);
    lens[i] = b.length;
  });
  const batch: RecordBatch = {
    memory: mem,
    count: records.length,
    firstSeq: 100,
    slotBytes,
    offset: (i) => 64 + i * stride + 4,
    length: (i) => lens[i]!,
    live: (i) => dropped[i] === 0,
    setLength: (i, n) => {
      if (n > slotBytes) throw new Error('over slot');
      lens[i] = n;
    },
    drop: (i) => {
      dropped[i] = 1;
    },
  };
  const view = () =>
    records.map((_, i) =>
      dropped[i] ? null : new TextDecoder().decode(mem.subarray(batch.offset(i), batch.offset(i) + lens[i]!)),
    );
  return { batch, view, mem };
}

function stageContext(key: string, argument: string, slotBytes: number) {
  const counters: Record<string, number> = {};
  const ctx: StageContext = {
    key,
    argument,
    stageIndex: 0,
    shard: 0,
    slotBytes,
    dryRun: false,
    env: {},
    flags: {},
    counter(name): StageCounter {
      counters[name] = 0;
      return {
        add: (n) => {
          counters[name]! += n;
        },
        get value() {
          return counters[name]!;
        },
      };
    },
  };
  return { ctx, counters };
}

test('capabilities and compatibility report the example plugin loaded by path', async () => {
  const cap = await cli(['capabilities', `--plugin=${EXAMPLE}`, '--json']);
  assert.is(cap.code, 0, cap.err);
  const doc = JSON.parse(cap.out);
  assert.equal(doc.plugins.at(-1), {
    name: 'acme-audit',
    version: '1.0.0',
    specifier: `file://${join(repo, 'examples/plugins/acme-audit/index.ts')}`,
    dependencies: [],
  });
  assert.ok(
    doc.stages.some((s: { key: string; source: string }) => s.key === 'audit_tag:' && s.source === 'catalog_prefix'),
  );
  assert.equal(doc.adapters.find((a: { kind: string }) => a.kind === 'acme_seq').direction, 'both');
  assert.equal(doc.snapshotSections.find((s: { name: string }) => s.name === 'acme_audit').plugin, 'acme-audit');
  assert.equal(doc.bundleArtifacts.find((a: { file: string }) => a.file === 'acme_audit.json').plugin, 'acme-audit');

  const spec = join(tmp, 'tagged.kv');
  writeFileSync(
    spec,
    [
      'spec.version=1',
      'spec.model=single_ring',
      'spec.name=tagged',
      'single_ring.shards=1',
      'single_ring.ordering=strict',
      'single_ring.producer=single',
      'single_ring.scheduling=dedicated',
      'single_ring.stages.0.key=audit_tag:eu',
      'single_ring.stages.1.key=audit_tag:not valid!',
      'single_ring.stages.1.depends_on.0=0',
      '',
    ].join('\n'),
  );
  const without = await cli(['compatibility', `--spec=${spec}`, '--json']);
  assert.is(without.code, 3);
  assert.equal(
    JSON.parse(without.out).stages.map((s: { source: string }) => s.source),
    ['unknown', 'unknown'],
  );
  const withIt = await cli(['compatibility', `--spec=${spec}`, `--plugin=${EXAMPLE}`, '--json']);
  assert.is(withIt.code, 3);
  const stages = JSON.parse(withIt.out).stages;
  assert.equal(
    stages.map((s: { key: string; source: string; supported: boolean }) => [s.key, s.source, s.supported]),
    [
      ['audit_tag:eu', 'catalog_prefix', true],
      ['audit_tag:not valid!', 'catalog_prefix', false],
    ],
  );
  assert.match(stages[1].reason, /audit_tag: needs a label of 1 to 32 letters/);
});

test('in a stage worker only the stage family is registered', async () => {
  const k = await kernelWithExample(true);
  assert.ok(k.resolveStage('audit_tag:x'));
  assert.is(k.adapters().length, 0);
  assert.is(k.snapshotSections().length, 0);
  const main = await kernelWithExample(false);
  assert.is(main.verbExtensions('run')[0]!.plugin, 'acme-audit');
});

test('audit_tag: rewrites records in place, drops and counts what would not fit, skips dropped records', async () => {
  const k = await kernelWithExample(true);
  const hit = k.resolveStage('audit_tag:eu')!;
  const { ctx, counters } = stageContext('audit_tag:eu', hit.argument, 8);
  const handler = await hit.family.create(ctx);
  const { batch, view } = slotBatch(['a', 'abcde', 'abcdef', '', 'zz'], 8);
  batch.drop(4);
  await handler.onBatch(batch);
  assert.equal(view(), ['eu:a', 'eu:abcde', null, 'eu:', null]);
  assert.equal(counters, { tagged: 3, too_long: 1 });
  // the same handler object works on the next batch (no state kept from the last one)
  const second = slotBatch(['q'], 8);
  await handler.onBatch(second.batch);
  assert.equal(second.view(), ['eu:q']);
  assert.equal(counters, { tagged: 4, too_long: 1 });
});

test(
  'acme_seq adapter: ingress numbers records, egress ' + 'writes JSON lines to a real file; health as documented',
  async () => {
    const k = await kernelWithExample();
    const factory = k.adapter('acme_seq')!.adapter;
    const ing = factory.ingress!({ count: '3', text: 'evt' }, {});
    const got: string[] = [];
    let ended = false;
    await ing.start({
      push: async (r) => {
        got.push(new TextDecoder().decode(r));
      },
      end: () => {
        ended = true;
      },
    });
    assert.equal(got, ['evt-0', 'evt-1', 'evt-2']);
    assert.ok(ended);
    assert.equal(ing.health(), {
      transport: 'acme_seq',
      connection_state: 'connected',
      message_count: 3,
      lag: { value: 0, unit: 'records' },
      recent_failures: [],
    });
    await ing.close();
    assert.is(ing.health().connection_state, 'closed');

    const path = join(tmp, 'out.jsonl');
    const eg = factory.egress!({ path }, {});
    await eg.start();
    await eg.write([new TextEncoder().encode('x'), new TextEncoder().encode('y "q"')]);
    await eg.write([new TextEncoder().encode('z')]);
    await eg.close();
    assert.is(readFileSync(path, 'utf8'), '{"n":0,"text":"x"}\n{"n":1,"text":"y \\"q\\""}\n{"n":2,"text":"z"}\n');
    assert.is(eg.health().message_count, 3);
  },
);

test('acme_seq adapter: bad settings are refused before anything starts, naming the key', async () => {
  const k = await kernelWithExample();
  const factory = k.adapter('acme_seq')!.adapter;
  const cases: Array<[() => unknown, RegExp]> = [
    [() => factory.ingress!({}, {}), /ingress\.count/],
    [() => factory.ingress!({ count: '0' }, {}), /ingress\.count/],
    [() => factory.ingress!({ count: '2', colour: 'red' }, {}), /ingress/],
    [() => factory.egress!({}, {}), /egress\.path/],
  ];
  for (const [fn, re] of cases) {
    try {
      fn();
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, ByteorError);
      assert.is((e as ByteorError).code, 'BYTEOR_E_ACME_SETTINGS');
      assert.is((e as ByteorError).exitCode, 2);
      assert.match((e as ByteorError).message, re);
      assert.equal(
        (e as ByteorError).details?.hook,
        'adapter acme_seq ' + (re.source.startsWith('egress') ? 'egress' : 'ingress'),
      );
    }
  }
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
