import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecDiff } from '../../kernel/artifacts/spec-diff.ts';
import { cli } from './bundle-helpers.ts';

/** `byteor diff`: the semantic difference of two specs, or of a bundle's spec and the deployed one. */
const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-diff-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const CHAIN = readFileSync(join(root, 'examples/chain.kv'), 'utf8');
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test("a bundle's spec against a changed one: every change listed, both hashes, exit 1", async () => {
  const bundle = join(dir, 'bundle');
  assert.is(
    (await cli(['incident-bundle', `--out=${bundle}`, `--spec=${join(root, 'examples/chain.kv')}`, '--archive'])).code,
    0,
  );
  const now = file(
    'now.kv',
    CHAIN.replace('single_ring.capacity=1024', 'single_ring.capacity=4096')
      .replace('single_ring.stages.2.key=identity', 'single_ring.stages.2.key=upper')
      .replace(
        'single_ring.stages.2.depends_on.0=1',
        'single_ring.stages.2.depends_on.0=0\nsingle_ring.stages.2.depends_on.1=1',
      )
      .trimEnd()
      .concat('\nsingle_ring.stages.3.key=identity\nsingle_ring.stages.3.depends_on.0=2\n'),
  );
  const j = await cli(['diff', `--spec=${now}`, `--bundle=${bundle}`, '--json']);
  assert.is(j.code, 1, j.err);
  const d = SpecDiff.parse(JSON.parse(j.out));
  assert.is(d.same, false);
  assert.equal([d.from.source, d.from.path, d.to.path], ['bundle', bundle, now]);
  assert.is.not(d.from.spec_hash, d.to.spec_hash);
  assert.equal(d.changes, [
    { path: 'single_ring.capacity', change: 'changed', before: '1024', after: '4096' },
    { path: 'single_ring.stages.2.key', change: 'changed', before: 'identity', after: 'upper' },
    { path: 'single_ring.stages.2.depends_on', change: 'changed', before: '[1]', after: '[0,1]' },
    { path: 'single_ring.stages.3', change: 'added', before: null, after: 'key=identity depends_on=[2]' },
  ]);
  const t = await cli(['diff', `--spec=${now}`, `--bundle=${bundle}.tar.gz`]);
  assert.is(t.code, 1, t.err);
  assert.match(t.out, `--- bundle ${bundle}.tar.gz (single_ring chain, ${d.from.spec_hash})`);
  assert.match(t.out, `+++ ${now} (single_ring chain, ${d.to.spec_hash})`);
  assert.match(t.out, '~ single_ring.capacity: 1024 -> 4096\n');
  assert.match(t.out, '+ single_ring.stages.3: key=identity depends_on=[2]\n');
  assert.match(t.out, '4 changes\n');
  // a tampered bundle is refused before any comparison
  writeFileSync(join(bundle, 'spec.kv'), CHAIN.replace('spec.name=chain', 'spec.name=other'));
  assert.is((await cli(['diff', `--spec=${now}`, `--bundle=${bundle}`])).code, 6);
});

test('the same spec with its lines reordered and comments changed: exit 0, "same"', async () => {
  const lines = CHAIN.split('\n').filter((l) => l && !l.startsWith('#'));
  const shuffled = file('shuffled.kv', `# deployed ${new Date(0).toISOString()}\n${[...lines].reverse().join('\n')}\n`);
  const j = await cli(['diff', `--spec=${shuffled}`, `--against=${join(root, 'examples/chain.kv')}`, '--json']);
  assert.is(j.code, 0, j.err);
  const d = SpecDiff.parse(JSON.parse(j.out));
  assert.equal([d.same, d.changes, d.from.spec_hash === d.to.spec_hash], [true, [], true]);
  const t = await cli(['diff', `--spec=${shuffled}`, `--against=${join(root, 'examples/chain.kv')}`]);
  assert.is(t.code, 0);
  assert.match(t.out, 'same spec: no semantic difference');
});

test('LaneGraph: lanes, roles and their keys by name', async () => {
  const lg = readFileSync(join(root, 'examples/lanegraph_journal_tap.kv'), 'utf8');
  const a = file('lg-a.kv', lg);
  const cap = /^(lane_graph\.lanes\.0\.capacity)=(\d+)$/m.exec(lg);
  const roleKey = /^(lane_graph\.roles\.(\d+)\.key)=(\S+)$/m.exec(lg);
  const laneName = /^lane_graph\.lanes\.0\.name=(\S+)$/m.exec(lg);
  const roleName = roleKey ? new RegExp(`^lane_graph\\.roles\\.${roleKey[2]}\\.name=(\\S+)$`, 'm').exec(lg) : null;
  assert.ok(cap && roleKey && laneName && roleName, 'the example names its lanes and roles explicitly');
  const b = file(
    'lg-b.kv',
    lg
      .replace(cap![0], `${cap![1]}=${Number(cap![2]) * 2}`)
      .replace(roleKey![0], `${roleKey![1]}=${roleKey![3] === 'upper' ? 'identity' : 'upper'}`)
      .replace('lane_graph.wait=backoff', 'lane_graph.wait=spin'),
  );
  const j = await cli(['diff', `--spec=${b}`, `--against=${a}`, '--json']);
  assert.is(j.code, 1, j.err);
  const d = SpecDiff.parse(JSON.parse(j.out));
  const paths = d.changes.map((c) => c.path);
  assert.ok(paths.includes(`lane_graph.lanes[${laneName![1]}].capacity`), paths.join(' '));
  assert.ok(paths.includes(`lane_graph.roles[${roleName![1]}].key`), paths.join(' '));
  assert.is(d.from.model, 'lane_graph');
});

test('usage: exactly one of --against and --bundle (exit 2); an invalid spec exits 3 naming which side', async () => {
  const spec = join(root, 'examples/chain.kv');
  const none = await cli(['diff', `--spec=${spec}`, '--json']);
  assert.is(none.code, 2);
  assert.is(JSON.parse(none.out).error.code, 'BYTEOR_E_DIFF_USAGE');
  assert.is((await cli(['diff', `--spec=${spec}`, `--against=${spec}`, `--bundle=${dir}`])).code, 2);
  assert.is((await cli(['diff', `--spec=${spec}`, `--against=${join(dir, 'missing.kv')}`])).code, 2);
  const bad = file('bad.kv', CHAIN.replace('single_ring.shards=1', 'single_ring.shards=0'));
  const r = await cli(['diff', `--spec=${spec}`, `--against=${bad}`, '--json']);
  assert.is(r.code, 3);
  assert.is(JSON.parse(r.out).error.code, 'BYTEOR_E_SPEC_INVALID');
  assert.match(JSON.parse(r.out).error.message, `--against=${bad}: spec ${bad} is invalid`);
});

test.run();
