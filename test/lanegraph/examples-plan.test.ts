// Done-when of the LaneGraph issue (continued from examples.test.ts): the lowered plan example
// (examples/lanegraph_plan.kv) runs with `run --sp` (the real CLI, in this process), output and counters right.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { input, N, upper, runExample, only, isUpper } from './example-run.ts';

test('examples/lanegraph_plan.kv: the lowered plan (two routers, a merge, a bridge) runs as lowered', async () => {
  const { summary: s, lines } = await runExample('lanegraph_plan');
  assert.ok(s.ok);
  assert.equal(only(lines, isUpper), input.map(upper), 'egress out, from upper');
  assert.is(only(lines, (l) => !isUpper(l)).length, 2 * N, 'egress out from archive + egress audit');
  const inserted = s.lane_graph!.roles.filter((r) => r.inserted).map((r) => `${r.kind}:${r.name}`);
  assert.equal(inserted, ['router:router.parse', 'router:router.archive', 'merge:merge.out', 'bridge:bridge.audit']);
  for (const r of s.lane_graph!.roles) assert.is(r.health, 'healthy', r.name);
  assert.equal(
    s.lane_graph!.endpoints.map((e) => [e.name, e.records]),
    [
      ['in', N],
      ['out', 2 * N],
      ['audit', N],
    ],
  );
});

test.run();
