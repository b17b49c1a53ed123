// Done-when of the LaneGraph issue (continued from examples.test.ts): the journal tap example runs
// with `run --sp` (the real CLI, in this process), output and counters right.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { input, N, upper, runExample, lane, only, isUpper } from './example-run.ts';

test(
  'examples/lanegraph_journal_tap.kv: egress out gets ' + 'the upper-cased records, egress audit the journal copy',
  async () => {
    const { summary: s, lines } = await runExample('lanegraph_journal_tap');
    assert.ok(s.ok);
    assert.equal(only(lines, isUpper), input.map(upper));
    assert.equal(
      only(lines, (l) => !isUpper(l)),
      input,
    );
    const j = lane(s, 'audit.journal');
    assert.equal(
      [j.kind, j.published, j.readers[0]!.released, j.readers[0]!.overrun, j.health],
      ['journal', N, N, 0, 'healthy'],
    );
    assert.equal(
      s.lane_graph!.endpoints.map((e) => [e.name, e.records]),
      [
        ['in', N],
        ['out', N],
        ['audit', N],
      ],
    );
  },
);

test.run();
