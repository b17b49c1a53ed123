import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonArtifact } from '../../kernel/artifacts/json.ts';
import { CompileReportV1 } from '../../kernel/artifacts/compile-report.ts';
import { SpecDescription } from '../../kernel/artifacts/spec-description.ts';
import { SpecValidationReport } from '../../kernel/artifacts/spec-validation.ts';
import { describeSpec, renderDescription } from '../../kernel/spec/describe.ts';
import { dotId, specToDot } from '../../kernel/spec/dot.ts';
import { loadSpecFile, loadSpecText, specValidationReport, validateSpecFile } from '../../kernel/spec/load.ts';
import { coreKernel, kv, SR_HEADER } from './helpers.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const examples = readdirSync(join(repo, 'examples'))
  .filter((f) => f.endsWith('.kv'))
  .sort();
const tmp = mkdtempSync(join(tmpdir(), 'byteor-spec-examples-'));

/** Render DOT with the real Graphviz; a missing `dot` fails the test naming the package. */
function renderSvg(dot: string): string {
  const r = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
  if (r.error)
    assert.unreachable(`Graphviz "dot" is needed for this test: apt-get install graphviz (${r.error.message})`);
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

test('the examples are the ones the README and docs name', () => {
  for (const f of [
    'chain.kv',
    'chain_authored.kv',
    'diamond.kv',
    'sharded.kv',
    'lanegraph_fanout_merge.kv',
    'lanegraph_plan.kv',
  ])
    assert.ok(examples.includes(f), f);
  const records = readFileSync(join(repo, 'examples/records.txt'), 'utf8').trimEnd().split('\n');
  assert.ok(records.length >= 24 && records.every((r) => /^[a-z]+,[a-z_]+,order-\d+,[\d.]+$/.test(r)));
});

for (const f of examples) {
  test(`${f}: validates without warnings, describes (text + schema) and draws (rendered by Graphviz dot)`, async () => {
    const k = await coreKernel();
    const s = await loadSpecFile(join(repo, 'examples', f), k);
    assert.equal(s.warnings, []);
    const d = describeSpec(s, k);
    assert.equal(SpecDescription.parse(JSON.parse(JSON.stringify(d))), d);
    const text = renderDescription(d);
    assert.ok(text.includes(`hash         ${s.hash}`));
    assert.ok(text.includes(`model        ${s.spec.model}`));
    const dot = specToDot(s.spec, s.hash);
    assert.is(specToDot(s.spec, s.hash), dot, 'deterministic');
    const svg = renderSvg(dot);
    assert.match(svg, /<svg[\s>]/);
    assert.ok(svg.includes(s.spec.name));
  });
}

test(
  'describe: SingleRing stages with dependencies and the releasing stage; LaneGraph roles with inserted ones and ' +
    'compile diagnostics',
  async () => {
    const k = await coreKernel();
    const diamond = describeSpec(await loadSpecFile(join(repo, 'examples/diamond.kv'), k), k);
    assert.equal(
      diamond.stages.map((s) => [s.index, s.key, s.depends_on, s.releases, s.plugin]),
      [
        [0, 'identity', [], false, 'core-stages'],
        [1, 'upper', [0], false, 'core-stages'],
        [2, 'identity', [0], false, 'core-stages'],
        [3, 'identity', [1, 2], true, 'core-stages'],
      ],
    );
    assert.is(diamond.constraints.shards, 1);
    assert.ok(renderDescription(diamond).includes('stage 1, stage 2; releases slots to egress'));
    const plan = describeSpec(await loadSpecFile(join(repo, 'examples/lanegraph_plan.kv'), k), k);
    assert.is(plan.source, 'plan');
    assert.equal(
      plan.compile_diagnostics.map((x) => x.code),
      ['BYTEOR_L_ROUTER_INSERTED', 'BYTEOR_L_ROUTER_INSERTED', 'BYTEOR_L_MERGE_INSERTED', 'BYTEOR_L_BRIDGE_INSERTED'],
    );
    assert.equal(
      plan.roles.filter((r) => r.inserted).map((r) => r.name),
      ['router.parse', 'router.archive', 'merge.out', 'bridge.audit'],
    );
    const text = renderDescription(plan);
    assert.match(
      text,
      /compile diagnostics \(4\)\n {2}\S*lanegraph_plan\.kv:\d+: note\[BYTEOR_L_ROUTER_INSERTED\]: inserted router "router\.parse"/,
    );
    assert.match(text, /bridge\.audit +bridge +journal -> events/);
  },
);

test('dot: quotes and backslashes in stage keys are escaped and still render', async () => {
  const s = await loadSpecText(kv(...SR_HEADER, 'single_ring.stages.0.key=drop_if:say "hi" \\o/'), await coreKernel());
  const dot = specToDot(s.spec);
  assert.ok(dot.includes(dotId('0: drop_if:say "hi" \\o/')));
  assert.is(dotId('a"b\\c'), '"a\\"b\\\\c"');
  renderSvg(dot);
});

test(
  'artifacts round-trip: spec validation report, compile ' + 'report and description write and read back unchanged',
  async () => {
    const k = await coreKernel();
    const path = join(repo, 'examples/lanegraph_plan.kv');
    const s = await loadSpecFile(path, k);
    const bad = await validateSpecFile(join(repo, 'test/spec/fixtures/with-plugin.kv'), await coreKernel());
    const cases: Array<[string, any, unknown]> = [
      ['spec_validation.json', SpecValidationReport, specValidationReport(await validateSpecFile(path, k))],
      [
        'spec_validation_bad.json',
        SpecValidationReport,
        specValidationReport({ ...bad, ok: false, errors: [{ code: 'BYTEOR_E_X', message: 'm', key: 'k', line: 2 }] }),
      ],
      ['compile_report.json', CompileReportV1, s.report],
      ['description.json', SpecDescription, describeSpec(s, k)],
    ];
    for (const [file, schema, value] of cases) {
      const out = join(tmp, file);
      const written = writeJsonArtifact(out, schema, value);
      const text = readFileSync(out, 'utf8');
      assert.ok(text.endsWith('}\n'));
      assert.equal(schema.parse(JSON.parse(text)), written);
      assert.is(JSON.stringify(schema.parse(JSON.parse(text)), null, 2) + '\n', text);
    }
  },
);

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
