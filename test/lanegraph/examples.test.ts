// Done-when of the LaneGraph issue: the LaneGraph examples run with `run --sp` (the real CLI,
// in this process) and their output and counters are right.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { input, N, upper, runExample, lane, role, only, isUpper } from './example-run.ts';

test('examples/lanegraph_fanout_merge.kv: each record twice (upper-cased and as is), each copy in order', async () => {
  const { summary: s, lines } = await runExample('lanegraph_fanout_merge');
  assert.ok(s.ok);
  assert.is(lines.length, 2 * N);
  assert.equal(only(lines, isUpper), input.map(upper), 'the upper reader, in order');
  assert.equal(
    only(lines, (l) => !isUpper(l)),
    input,
    'the audit reader, in order',
  );
  assert.equal([s.records_in, s.records_out, s.dropped, s.refused], [N, 2 * N, 0, 0]);
  assert.is(lane(s, 'parse.fanout').published, N);
  assert.equal(
    lane(s, 'parse.fanout').readers.map((r) => [r.name, r.released]),
    [
      ['upper', N],
      ['audit', N],
    ],
  );
  assert.equal(
    role(s, 'join').merge!.inputs.map((i) => i.taken),
    [N, N],
  );
  assert.equal(
    s.counters.map((c) => [c.key, c.values.records]),
    [
      ['identity', N],
      ['upper', N],
      ['identity', N],
    ],
  );
});

test("examples/lanegraph_router_work_queue.kv: each record exactly once; the consumers' shares add up", async () => {
  const { summary: s, lines } = await runExample('lanegraph_router_work_queue');
  assert.ok(s.ok);
  assert.is(lines.length, N);
  const back = new Map(input.map((l) => [upper(l), l]));
  assert.equal(
    lines.map((l) => (isUpper(l) ? back.get(l)! : l)).sort(),
    [...input].sort(),
    'every record once (worker_a upper-cases its share)',
  );
  const split = role(s, 'split').router!;
  assert.is(split.consumers[0]!.routed + split.consumers[1]!.routed, N);
  assert.is(split.consumers[0]!.routed, only(lines, isUpper).length, "worker_a's share is the upper-cased lines");
  assert.is(split.drops_all_full, 0);
  assert.equal([s.records_in, s.records_out, s.dropped], [N, N, 0]);
});

test.run();
