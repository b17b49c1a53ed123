import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-run.ts';
import { startHttpTarget, type HttpTarget } from './http-target.ts';

/** ActionGraph stages as LaneGraph stage roles: the same gate and the same handlers. */

const dir = mkdtempSync(join(tmpdir(), 'byteor-ag-lg-'));
const input = join(dir, 'records.txt');
writeFileSync(input, 'x\ny\nz\n');
let target: HttpTarget;
let spec: string;

test.before(async () => {
  target = await startHttpTarget([200]);
  spec = join(dir, 'lg.kv');
  writeFileSync(
    spec,
    [
      'spec.version=1',
      'spec.model=lane_graph',
      'spec.name=lg_notify',
      'lane_graph.on_full=block',
      'lane_graph.capacity=64',
      'lane_graph.ingress.0=in',
      'lane_graph.egress.0=out',
      'lane_graph.stages.0.name=notify',
      `lane_graph.stages.0.key=http_post:${target.url}/hook`,
      'lane_graph.connections.0.from=in',
      'lane_graph.connections.0.to=notify',
      'lane_graph.connections.1.from=notify',
      'lane_graph.connections.1.to=out',
      '',
    ].join('\n'),
  );
});
test.before.each(() => {
  target.requests.length = 0;
});

test('a LaneGraph stage role POSTs in dev and forwards the records', async () => {
  const out = join(dir, 'dev.out');
  const r = await runCli(['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${out}`, '--env=dev'], {
    preload: ['actiongraph'],
  });
  assert.is(r.code, 0, r.err);
  assert.is(readFileSync(out, 'utf8'), 'x\ny\nz\n');
  assert.equal(target.requests.map((q) => q.body.toString()).sort(), ['x', 'y', 'z']);
});

test(
  'a LaneGraph spec with side effects is refused in prod ' + 'without an approval (exit 4), naming the capability',
  async () => {
    const r = await runCli(
      ['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${join(dir, 'p.out')}`, '--env=prod'],
      { preload: ['actiongraph'] },
    );
    assert.is(r.code, 4);
    assert.ok(r.err.includes(`must carry the capabilities: http_post:${target.url}/hook.`), r.err);
    assert.is(target.requests.length, 0);
  },
);

test.after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
