// Done-when of the LaneGraph issue (continued from examples.test.ts): the journal tap example runs
// with `run --sp` (the real CLI, in this process), output and counters right.
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

test('examples/lanegraph_journal_tap.kv: egress out gets the upper-cased records, egress audit the journal copy', async () => {
  const { summary: s, lines } = await runExample('lanegraph_journal_tap');
  assert.ok(s.ok);
  assert.equal(only(lines, isUpper), input.map(upper));
  assert.equal(only(lines, (l) => !isUpper(l)), input);
  const j = lane(s, 'audit.journal');
  assert.equal([j.kind, j.published, j.readers[0]!.released, j.readers[0]!.overrun, j.health], ['journal', N, N, 0, 'healthy']);
  assert.equal(s.lane_graph!.endpoints.map((e) => [e.name, e.records]), [['in', N], ['out', N], ['audit', N]]);
});

test.run();
