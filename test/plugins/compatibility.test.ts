import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../kernel/cli.ts';
import {
  CompatibilityReport,
  stableJson,
  writeJsonArtifact,
  specHash,
  decodeSpecText,
  definePlugin,
  PLUGIN_API_VERSION,
  stageKeyRequirement,
} from '../../kernel/index.ts';
import { Kernel } from '../../kernel/plugin-host.ts';
import { captureIO } from '../kernel/capture-io.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'byteor-compat-'));
const CATALOG = './test/plugins/fixtures/catalog-plugin.ts';

async function cli(args: string[], env: Record<string, string> = {}) {
  const io = captureIO();
  const code = await main(args, { io, cwd: repo, env });
  return { code, out: io.stdout(), err: io.stderr() };
}

function singleRing(name: string, keys: string[], extra: string[] = []): string {
  const path = join(tmp, `${name}.kv`);
  const lines = [
    'spec.version=1',
    'spec.model=single_ring',
    `spec.name=${name}`,
    'single_ring.shards=1',
    'single_ring.ordering=strict',
    'single_ring.producer=single',
    'single_ring.scheduling=dedicated',
    ...extra,
  ];
  keys.forEach((k, i) => {
    lines.push(`single_ring.stages.${i}.key=${k}`);
    if (i > 0) lines.push(`single_ring.stages.${i}.depends_on.0=${i - 1}`);
  });
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

test('built-in keys only: exit 0, every key built_in and supported, report passes its schema', async () => {
  const r = await cli(['compatibility', '--spec=examples/chain.kv', '--json']);
  assert.is(r.code, 0, r.err);
  const rep = CompatibilityReport.parse(JSON.parse(r.out));
  assert.is(r.out, stableJson(rep));
  assert.is(rep.reportVersion, 1);
  assert.is(rep.specName, 'chain');
  assert.is(rep.model, 'single_ring');
  assert.is(rep.compatible, true);
  assert.is(rep.specHash, specHash(decodeSpecText(readFileSync(join(repo, 'examples/chain.kv'))).spec!));
  assert.equal(
    rep.stages.map((s) => [s.key, s.source, s.supported, s.policyClass, s.replaySupport, s.plugin, s.usedBy]),
    [
      [
        'identity',
        'built_in',
        true,
        'pure',
        'supported',
        'core-stages',
        ['single_ring.stages.0', 'single_ring.stages.2'],
      ],
      ['upper', 'built_in', true, 'pure', 'supported', 'core-stages', ['single_ring.stages.1']],
    ],
  );
});

test('an unknown key: reported as unknown, exit 3, the report still on stdout', async () => {
  const spec = singleRing('unknown', ['identity', 'acme_enrich', 'upper']);
  const r = await cli(['compatibility', `--spec=${spec}`, '--json']);
  assert.is(r.code, 3);
  const rep = CompatibilityReport.parse(JSON.parse(r.out));
  assert.is(rep.compatible, false);
  const s = rep.stages.find((x) => x.key === 'acme_enrich')!;
  assert.equal(s, {
    key: 'acme_enrich',
    source: 'unknown',
    supported: false,
    reason:
      'no loaded plugin provides stage key "acme_enrich"; load the plugin that does with --plugin=NAME|PATH|PACKAGE',
    replaySupport: 'unsupported',
    approvalCapabilities: [],
    usedBy: ['single_ring.stages.1'],
  });
  assert.match(
    r.err,
    /error\[BYTEOR_E_STAGE_UNSUPPORTED\]: .*1 stage key is not supported: "acme_enrich" \(no loaded plugin provides it/,
  );
  const text = await cli(['compatibility', `--spec=${spec}`]);
  assert.is(text.code, 3);
  assert.match(text.out, /\n  NO  acme_enrich +unknown +- +replay:unsupported +- +single_ring\.stages\.1\n/);
});

test(
  'with the plugin loaded: catalog_stable and catalog_prefix, ' + 'policy class, replay support, approval capabilities',
  async () => {
    const spec = singleRing('catalog', ['identity', 'acme_enrich', 'acme_route:orders', 'drop_if:x']);
    const r = await cli(['compatibility', `--spec=${spec}`, `--plugin=${CATALOG}`, '--json']);
    assert.is(r.code, 0, r.err);
    const rep = CompatibilityReport.parse(JSON.parse(r.out));
    assert.ok(rep.plugins.some((p) => p.name === 'acme-catalog' && p.version === '2.0.0'));
    assert.equal(
      rep.stages.map((s) => [
        s.key,
        s.source,
        s.supported,
        s.plugin,
        s.policyClass,
        s.replaySupport,
        s.approvalCapabilities,
      ]),
      [
        ['identity', 'built_in', true, 'core-stages', 'pure', 'supported', []],
        ['acme_enrich', 'catalog_stable', true, 'acme-catalog', 'side_effect', 'dry_run_only', ['acme:enrich']],
        ['acme_route:orders', 'catalog_prefix', true, 'acme-catalog', 'pure', 'supported', []],
        ['drop_if:x', 'built_in', true, 'core-stages', 'pure', 'supported', []],
      ],
    );
    const text = await cli(['compatibility', `--spec=${spec}`, `--plugin=${CATALOG}`]);
    assert.match(text.out, /approval capabilities:\n  acme_enrich: acme:enrich\n/);
  },
);

test('a key whose family refuses its argument is known but not supported (exit 3, the reason given)', async () => {
  const spec = singleRing('refused', ['acme_route:', 'identity']);
  const r = await cli(['compatibility', `--spec=${spec}`, `--plugin=${CATALOG}`, '--json']);
  assert.is(r.code, 3);
  const s = CompatibilityReport.parse(JSON.parse(r.out)).stages[0]!;
  assert.equal(
    [s.source, s.supported, s.plugin, s.reason],
    ['catalog_prefix', false, 'acme-catalog', 'acme_route: needs a queue name, e.g. acme_route:orders'],
  );
  assert.match(r.err, /"acme_route:" \(plugin "acme-catalog" refuses it: acme_route: needs a queue name/);
});

test('plugins named in the spec are loaded before the report', async () => {
  const spec = singleRing(
    'named',
    ['acme_enrich'],
    [`plugins.0=${join(repo, 'test/plugins/fixtures/catalog-plugin.ts')}`],
  );
  const r = await cli(['compatibility', `--spec=${spec}`, '--json']);
  assert.is(r.code, 0, r.err);
  assert.is(CompatibilityReport.parse(JSON.parse(r.out)).stages[0]!.source, 'catalog_stable');
});

test('LaneGraph: the keys of stage roles, used-by naming the role index', async () => {
  const r = await cli(['compatibility', '--spec=examples/lanegraph_fanout_merge.kv', '--json']);
  assert.is(r.code, 0, r.err);
  const rep = CompatibilityReport.parse(JSON.parse(r.out));
  assert.is(rep.model, 'lane_graph');
  assert.ok(rep.stages.length >= 2);
  for (const s of rep.stages) for (const u of s.usedBy) assert.match(u, /^lane_graph\.roles\.\d+$/);
});

test(
  'a spec that cannot be decoded is invalid (exit 3); a missing file is a usage error (exit 2); $BYTEOR_SPEC is ' +
    'the default',
  async () => {
    const bad = join(tmp, 'bad.kv');
    writeFileSync(bad, 'spec.version=1\nspec.model=single_ring\nthis line has no equals sign\n');
    const r = await cli(['compatibility', `--spec=${bad}`, '--json']);
    assert.is(r.code, 3);
    assert.is(JSON.parse(r.out).error.code, 'BYTEOR_E_SPEC_INVALID');
    const m = await cli(['compatibility', `--spec=${join(tmp, 'missing.kv')}`, '--json']);
    assert.is(m.code, 2);
    assert.is(JSON.parse(m.out).error.code, 'BYTEOR_E_SPEC_UNREADABLE');
    const d = await cli(['compatibility', '--json'], { BYTEOR_SPEC: join(repo, 'examples/chain.kv') });
    assert.is(d.code, 0, d.err);
    assert.is(JSON.parse(d.out).specName, 'chain');
  },
);

test('--out writes the report; it round-trips through its schema', async () => {
  const out = join(tmp, 'compat.json');
  const spec = singleRing('out', ['identity', 'nope']);
  const r = await cli(['compatibility', `--spec=${spec}`, `--out=${out}`, '--json']);
  assert.is(r.code, 3);
  const text = readFileSync(out, 'utf8');
  assert.is(text, r.out);
  const again = join(tmp, 'again.json');
  writeJsonArtifact(again, CompatibilityReport, CompatibilityReport.parse(JSON.parse(text)));
  assert.is(readFileSync(again, 'utf8'), text);
});

test('the schema refuses reports with a bad source, hash or an entry used nowhere', () => {
  const good = JSON.parse(
    stableJson({
      reportVersion: 1,
      runtime: { name: 'byteor', version: '0' },
      specName: 'x',
      specHash: `sha256:${'a'.repeat(64)}`,
      model: 'single_ring',
      compatible: true,
      plugins: [],
      stages: [
        {
          key: 'k',
          source: 'built_in',
          supported: true,
          replaySupport: 'supported',
          approvalCapabilities: [],
          usedBy: ['single_ring.stages.0'],
        },
      ],
    }),
  );
  assert.ok(CompatibilityReport.safeParse(good).success);
  assert.not.ok(CompatibilityReport.safeParse({ ...good, specHash: 'abc' }).success);
  assert.not.ok(CompatibilityReport.safeParse({ ...good, stages: [{ ...good.stages[0], source: 'builtin' }] }).success);
  assert.not.ok(CompatibilityReport.safeParse({ ...good, stages: [{ ...good.stages[0], usedBy: [] }] }).success);
  assert.not.ok(
    CompatibilityReport.safeParse({ ...good, stages: [{ ...good.stages[0], replaySupport: 'maybe' }] }).success,
  );
});

test('a family whose check or capabilities throws is reported unsupported, the plugin named once', () => {
  const k = new Kernel();
  k.install(
    definePlugin({
      name: 'flaky',
      version: '1.0.0',
      apiVersion: PLUGIN_API_VERSION,
      setup(h) {
        h.registerStage({
          prefix: 'flaky:',
          summary: '',
          policyClass: 'pure',
          replay: 'supported',
          check: () => {
            throw new Error('regex exploded');
          },
          create: () => ({ onBatch() {} }),
        });
        h.registerStage({
          key: 'capless',
          summary: '',
          policyClass: 'side_effect',
          replay: 'unsupported',
          capabilities: () => {
            throw new Error('no caps');
          },
          create: () => ({ onBatch() {} }),
        });
      },
    }),
    'file:///flaky.js',
  );
  const a = stageKeyRequirement(k, 'flaky:x');
  assert.equal([a.supported, a.source, a.plugin], [false, 'catalog_prefix', 'flaky']);
  assert.match(a.reason!, /regex exploded/);
  assert.is(a.reason!.split('plugin "flaky"').length - 1, 1, a.reason);
  const b = stageKeyRequirement(k, 'capless');
  assert.equal(
    [b.supported, b.source, b.policyClass, b.replaySupport],
    [false, 'catalog_stable', 'side_effect', 'unsupported'],
  );
  assert.match(b.reason!, /no caps/);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
