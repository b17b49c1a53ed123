// Shared by the LaneGraph example tests (examples*.test.ts): run an example spec with `run --sp`
// (the real CLI, in this process) over examples/records.txt, and read its summary and output.
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../run/cli-harness.ts';
import type { RunSummary } from '../../kernel/index.ts';

export const input = readFileSync('examples/records.txt', 'utf8').trimEnd().split('\n');
export const N = input.length;
export const upper = (s: string) => s.toUpperCase();

/** Runs examples/<name>.kv (it must exit 0); its --json summary and its output lines. */
export async function runExample(name: string): Promise<{ summary: RunSummary; lines: string[] }> {
  const dir = tempDir();
  const out = join(dir, 'out.txt');
  const r = await cli([
    'run',
    '--sp',
    `--spec=examples/${name}.kv`,
    '--input=examples/records.txt',
    `--output=${out}`,
    '--json',
  ]);
  assert.is(r.code, 0, r.err);
  const summary = JSON.parse(r.out) as RunSummary;
  const lines = readFileSync(out, 'utf8').split('\n');
  assert.is(lines.pop(), '', 'newline-terminated output');
  return { summary, lines };
}

export const lane = (s: RunSummary, n: string) => s.lane_graph!.lanes.find((l) => l.name === n)!;
export const role = (s: RunSummary, n: string) => s.lane_graph!.roles.find((r) => r.name === n)!;

/** The lines of `lines` that satisfy `pick`, in order. */
export const only = (lines: string[], pick: (l: string) => boolean) => lines.filter(pick);
export const isUpper = (l: string) => l === upper(l) && l !== l.toLowerCase();
