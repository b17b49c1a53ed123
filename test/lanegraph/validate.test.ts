// A cycle or a dangling lane is rejected by validate before anything starts: the spec
// toolchain's errors, `run --sp` exiting 3 without opening its output or starting a worker,
// and the executor's own wiring check as a second line of defence.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateSpecText } from '../../kernel/spec/load.ts';
import { wireLaneGraph } from '../../kernel/lanegraph/wiring.ts';
import { ByteorError } from '../../kernel/errors.ts';
import { cli, tempDir, writeTemp } from '../run/cli-harness.ts';
import { coreKernel, laneGraph, lane, ingress, egress, stage, merge } from './harness.ts';

const header = ['spec.version=1', 'spec.model=lane_graph', 'spec.name=bad'];
const kvLane = (i: number, name: string) => [`lane_graph.lanes.${i}.name=${name}`, `lane_graph.lanes.${i}.kind=events`];
const kvEndpoint = (i: number, name: string, kind: string, laneName: string) => [
  `lane_graph.endpoints.${i}.name=${name}`,
  `lane_graph.endpoints.${i}.kind=${kind}`,
  `lane_graph.endpoints.${i}.lane=${laneName}`,
];
const kvRole = (i: number, name: string, kind: string, inputs: string[], outputs: string[], key?: string) => [
  `lane_graph.roles.${i}.name=${name}`,
  `lane_graph.roles.${i}.kind=${kind}`,
  ...(key ? [`lane_graph.roles.${i}.key=${key}`] : []),
  ...inputs.map((l, j) => `lane_graph.roles.${i}.inputs.${j}=${l}`),
  ...outputs.map((l, j) => `lane_graph.roles.${i}.outputs.${j}=${l}`),
];

// in -> a -> merge m -> router r -> (out, and stage b -> back into m): the cycle m -> r -> b -> m
const cyclic =
  [
    ...header,
    ...kvLane(0, 'in.a'),
    ...kvLane(1, 'a.m'),
    ...kvLane(2, 'b.m'),
    ...kvLane(3, 'm.out'),
    ...kvLane(4, 'm.b'),
    ...kvLane(5, 'out'),
    ...kvEndpoint(0, 'in', 'ingress', 'in.a'),
    ...kvEndpoint(1, 'out', 'egress', 'out'),
    ...kvRole(0, 'a', 'stage', ['in.a'], ['a.m'], 'identity'),
    ...kvRole(1, 'm', 'merge', ['a.m', 'b.m'], ['m.out']),
    ...kvRole(2, 'r', 'router', ['m.out'], ['m.b', 'out']),
    ...kvRole(3, 'b', 'stage', ['m.b'], ['b.m'], 'upper'),
  ].join('\n') + '\n';

const dangling =
  [
    ...header,
    ...kvLane(0, 'in.a'),
    ...kvLane(1, 'a.out'),
    ...kvLane(2, 'nowhere'),
    ...kvEndpoint(0, 'in', 'ingress', 'in.a'),
    ...kvEndpoint(1, 'out', 'egress', 'a.out'),
    ...kvRole(0, 'a', 'stage', ['in.a'], ['a.out'], 'identity'),
    ...kvRole(1, 'b', 'stage', ['in.a'], ['ghost'], 'identity'),
  ].join('\n') + '\n';

test('validate: a cycle of roles over lanes is BYTEOR_E_SPEC_LG_CYCLE and the cycle is named', async () => {
  const check = await validateSpecText(cyclic, await coreKernel());
  assert.not.ok(check.ok);
  const e = check.errors.find((d) => d.code === 'BYTEOR_E_SPEC_LG_CYCLE');
  assert.ok(e, JSON.stringify(check.errors));
  assert.match(e!.message, /m -> r -> b -> m|r -> b -> m -> r|b -> m -> r -> b/);
});

test('validate: dangling lanes (no reader, no writer, undeclared) are refused with their codes and lines', async () => {
  const check = await validateSpecText(dangling, await coreKernel());
  assert.not.ok(check.ok);
  const codes = check.errors.map((d) => d.code);
  assert.ok(codes.includes('BYTEOR_E_SPEC_LG_UNKNOWN_LANE'), `undeclared lane "ghost": ${codes}`);
  const ghost = check.errors.find((d) => d.code === 'BYTEOR_E_SPEC_LG_UNKNOWN_LANE')!;
  assert.is(ghost.key, 'lane_graph.roles.1.outputs.0');
  assert.ok(typeof ghost.line === 'number');
});

test('validate: a lane nobody reads or nobody writes is refused once every reference resolves', async () => {
  const text =
    [
      ...header,
      ...kvLane(0, 'in.a'),
      ...kvLane(1, 'a.out'),
      ...kvLane(2, 'unread'),
      ...kvLane(3, 'unwritten'),
      ...kvLane(4, 'c.out'),
      ...kvEndpoint(0, 'in', 'ingress', 'in.a'),
      ...kvEndpoint(1, 'out', 'egress', 'a.out'),
      ...kvEndpoint(2, 'out2', 'egress', 'c.out'),
      ...kvRole(0, 'a', 'router', ['in.a'], ['a.out', 'unread']),
      ...kvRole(1, 'c', 'stage', ['unwritten'], ['c.out'], 'identity'),
    ].join('\n') + '\n';
  const check = await validateSpecText(text, await coreKernel());
  const byCode = (c: string) => check.errors.filter((d) => d.code === c).map((d) => d.message);
  assert.equal(byCode('BYTEOR_E_SPEC_LG_LANE_READERS').length, 1, JSON.stringify(check.errors));
  assert.match(byCode('BYTEOR_E_SPEC_LG_LANE_READERS')[0]!, /"unread"/);
  assert.equal(byCode('BYTEOR_E_SPEC_LG_LANE_WRITERS').length, 1);
  assert.match(byCode('BYTEOR_E_SPEC_LG_LANE_WRITERS')[0]!, /"unwritten"/);
});

test('run --sp on a cyclic spec: exit 3, the error, and nothing started (no output file)', async () => {
  const dir = tempDir();
  const spec = writeTemp(dir, 'cyclic.kv', cyclic);
  const input = writeTemp(dir, 'in.txt', 'a\nb\n');
  const out = join(dir, 'out.txt');
  const r = await cli(['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${out}`]);
  assert.is(r.code, 3);
  assert.match(r.err, /BYTEOR_E_SPEC_LG_CYCLE/);
  assert.not.ok(existsSync(out), 'the egress was never opened');
  assert.not.match(r.err, /run ok|records in/);
});

test('the executor refuses to wire a graph that slipped past validation (second line of defence)', async () => {
  const bad = laneGraph({
    lanes: [lane('a'), lane('b'), lane('c')],
    endpoints: [ingress('in', 'a'), egress('out', 'b')],
    roles: [stage('s', 'identity', 'a', 'b'), merge('m', ['c', 'b'], 'c')],
  });
  try {
    wireLaneGraph(bad.lane_graph);
    assert.unreachable('wiring should fail');
  } catch (e) {
    assert.instance(e, ByteorError);
    assert.is((e as ByteorError).code, 'BYTEOR_E_SPEC_INVALID');
    assert.is((e as ByteorError).exitCode, 3);
  }
});

test.run();
