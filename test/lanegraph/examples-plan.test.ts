// Done-when of the LaneGraph issue (continued from examples.test.ts): the lowered plan example
// (examples/lanegraph_plan.kv) runs with `run --sp` (the real CLI, in this process), output and counters right.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../run/cli-harness.ts';
import type { RunSummary } from '../../kernel/plugin-api.ts';

const input = readFileSync('examples/records.txt', 'utf8').trimEnd().split('\n');
const N = input.length;
const upper = (s: string) => s.toUpperCase();

async function runExample(name: string) {
  const dir = tempDir();
  const out = join(dir, 'out.txt');
  const r = await cli(['run', '--sp', `--spec=examples/${name}.kv`, '--input=examples/records.txt', `--output=${out}`, '--json']);
  assert.is(r.code, 0, r.err);
  const summary = JSON.parse(r.out) as RunSummary;
  const lines = readFileSync(out, 'utf8').split('\n');
  assert.is(lines.pop(), '', 'newline-terminated output');
  return { summary, lines };
}

const lane = (s: RunSummary, n: string) => s.lane_graph!.lanes.find((l) => l.name === n)!;
const role = (s: RunSummary, n: string) => s.lane_graph!.roles.find((r) => r.name === n)!;

/** The lines of `lines` that satisfy `pick`, in order. */
const only = (lines: string[], pick: (l: string) => boolean) => lines.filter(pick);
const isUpper = (l: string) => l === upper(l) && l !== l.toLowerCase();

test('examples/lanegraph_plan.kv: the lowered plan (two routers, a merge, a bridge) runs as lowered', async () => {
  const { summary: s, lines } = await runExample('lanegraph_plan');
  assert.ok(s.ok);
  assert.equal(only(lines, isUpper), input.map(upper), 'egress out, from upper');
  assert.is(only(lines, (l) => !isUpper(l)).length, 2 * N, 'egress out from archive + egress audit');
  const inserted = s.lane_graph!.roles.filter((r) => r.inserted).map((r) => `${r.kind}:${r.name}`);
  assert.equal(inserted, ['router:router.parse', 'router:router.archive', 'merge:merge.out', 'bridge:bridge.audit']);
  for (const r of s.lane_graph!.roles) assert.is(r.health, 'healthy', r.name);
  assert.equal(s.lane_graph!.endpoints.map((e) => [e.name, e.records]), [['in', N], ['out', 2 * N], ['audit', N]]);
});

test.run();
