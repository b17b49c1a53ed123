import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecDescription } from '../../kernel/artifacts/spec-description.ts';
import { byteor, byteorInProcess } from './cli.ts';
import { kv, SR_HEADER } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'byteor-cli-dot-'));

test('describe: text and --json (schema-checked) for a lowered plan', async () => {
  const j = await byteorInProcess(['describe', '--spec=examples/lanegraph_plan.kv', '--json']);
  const t = await byteorInProcess(['describe', '--spec=examples/lanegraph_plan.kv']);
  assert.is(t.code, 0, t.err);
  assert.match(
    t.out,
    /^spec {9}plan_routes\nmodel {8}lane_graph\nhash {9}sha256:[0-9a-f]{64}\nsource {7}authored plan, lowered/,
  );
  assert.match(t.out, /compile diagnostics \(4\)/);
  assert.is(j.code, 0, j.err);
  const d = SpecDescription.parse(JSON.parse(j.out));
  assert.is(d.compile_diagnostics.length, 4);
  assert.is(d.spec_path, 'examples/lanegraph_plan.kv');
});

test('describe on an invalid spec: exit 3, BYTEOR_E_SPEC_INVALID (and {ok:false,error} with --json)', async () => {
  const p = join(tmp, 'bad.kv');
  writeFileSync(p, kv(...SR_HEADER, 'single_ring.scheduling=work_queue', 'single_ring.stages.0.key=identity'));
  const t = await byteor(['describe', `--spec=${p}`]);
  const j = await byteorInProcess(['describe', `--spec=${p}`, '--json']);
  assert.is(t.code, 3);
  assert.match(
    t.err,
    /^error\[BYTEOR_E_SPEC_INVALID\]: spec .*bad\.kv is invalid \(1 error\): line 4: error\[BYTEOR_E_SPEC_SR_SCHEDULING\]: single_ring scheduling work_queue is not supported in v1/,
  );
  assert.is(t.out, '');
  assert.is(j.code, 3);
  const e = JSON.parse(j.out);
  assert.is(e.ok, false);
  assert.is(e.error.code, 'BYTEOR_E_SPEC_INVALID');
  assert.is(e.error.details.errors[0].line, 4);
});

test('dot: DOT on stdout; --out=FILE.svg renders with the real Graphviz; --out=FILE.dot writes DOT', async () => {
  const svg = join(tmp, 'd.svg');
  const dotf = join(tmp, 'd.dot');
  const a = await byteorInProcess(['dot', '--spec=examples/diamond.kv']);
  const b = await byteorInProcess(['dot', '--spec=examples/lanegraph_fanout_merge.kv', `--out=${svg}`]);
  const c = await byteorInProcess(['dot', '--spec=examples/diamond.kv', `--out=${dotf}`, '--json']);
  assert.is(a.code, 0, a.err);
  assert.match(a.out, /^digraph "diamond" \{\n/);
  assert.ok(a.out.includes('"stage.1" -> "stage.3";'));
  assert.is(b.code, 0, b.err);
  assert.match(readFileSync(svg, 'utf8'), /<svg[\s>][\s\S]*fanout_merge/);
  assert.is(c.code, 0, c.err);
  assert.is(readFileSync(dotf, 'utf8'), a.out);
  assert.equal(Object.keys(JSON.parse(c.out)), ['spec_hash', 'format', 'out']);
});

test(
  'dot --out=FILE.svg without Graphviz: exit 5, BYTEOR_E_DOT_GRAPHVIZ_MISSING naming the install command; a bad ' +
    '--out is exit 2',
  async () => {
    const emptyPath = mkdtempSync(join(tmp, 'nopath-'));
    const a = await byteor(['dot', '--spec=examples/chain.kv', `--out=${join(tmp, 'x.svg')}`], { PATH: emptyPath });
    const b = await byteorInProcess(['dot', '--spec=examples/chain.kv', `--out=${join(tmp, 'x.png')}`]);
    assert.is(a.code, 5, a.err);
    assert.match(
      a.err,
      /error\[BYTEOR_E_DOT_GRAPHVIZ_MISSING\]: .*Graphviz "dot" is not installed .*install it with "apt-get install graphviz"/,
    );
    assert.is(b.code, 2);
    assert.match(b.err, /error\[BYTEOR_E_USAGE_BAD_FLAG\]: --out: must end in \.svg/);
  },
);

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
