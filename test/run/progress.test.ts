// Progress where a person waits (issue 17 item 5): `run --sp` on a real terminal (tmux) redraws
// one line on stderr — records in and out, the rate, the percent of a file input — and erases it
// before the summary; with --quiet, or when stderr is not a terminal, there is none (no escape
// code reaches a pipe).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeTemp, chainSpec } from './cli-harness.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const dir = tempDir('byteor-progress-');
// a slow stage: 3000 records, at most 16 per batch, 10 ms per batch keep the run going ~2 s
const spec = writeTemp(dir, 'slow.kv', chainSpec(['sleep_us:10000'], { capacity: 16 }));
const input = join(dir, 'in.txt');
writeFileSync(input, Array.from({ length: 3000 }, (_, i) => `record-${i}`).join('\n') + '\n');
const cmd = (extra: string) =>
  `cd ${ROOT} && node --no-liftoff --conditions=source --import tsx kernel/main.ts run --sp --spec=${spec} ` +
  `--input=${input} --output=/dev/null ${extra} 2>${join(dir, 'err.txt')}; echo EXIT=$? >> ` +
  `${join(dir, 'err.txt')}`;

function tmux(args: string[]) {
  return spawnSync('tmux', ['-L', `byteor-progress-${process.pid}`, ...args], { encoding: 'utf8' });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inTerminal(extra: string): Promise<{ panes: string[]; stderr: string }> {
  // stderr to a file would not be a terminal: the pane is the terminal, so run without the redirect
  const shell =
    `cd ${ROOT} && node --no-liftoff --conditions=source --import tsx kernel/main.ts run --sp --spec=${spec} ` +
    `--input=${input} --output=/dev/null ${extra}; echo EXIT=$?; sleep 30`;
  assert.is(tmux(['new-session', '-d', '-x', '100', '-y', '10', '-s', 'p', shell]).status, 0);
  const panes: string[] = [];
  try {
    const end = Date.now() + 60_000;
    for (;;) {
      const pane = tmux(['capture-pane', '-p', '-t', 'p']).stdout;
      panes.push(pane);
      if (pane.includes('EXIT=')) break;
      if (Date.now() > end) throw new Error(`no end within 60 s:\n${pane}`);
      await sleep(300);
    }
  } finally {
    tmux(['kill-server']);
  }
  return { panes, stderr: panes[panes.length - 1]! };
}

test(
  'on a terminal: a progress line with records, rate ' + 'and percent, redrawn, then erased before the summary',
  async () => {
    if (!hasTmux) {
      console.log('skipped: tmux is not installed (apt-get install tmux)');
      return;
    }
    const { panes, stderr } = await inTerminal('');
    const lines = panes
      .flatMap((p) => p.split('\n'))
      .filter((l) => /^records in \S+( \S)?, out \S+( \S)?, \S+( \S)?\/s, \d+% of the input/.test(l));
    assert.ok(lines.length >= 2, `progress seen in at least two captures:\n${panes.join('\n---\n')}`);
    assert.ok(new Set(lines).size >= 2, 'it was redrawn (the numbers moved)');
    assert.match(stderr, /EXIT=0/);
    assert.match(stderr, /run ok: records in 3000, out 3000/);
    assert.not.match(stderr, /^records in .*% of the input/m, 'erased before the summary');
  },
);

test('--quiet on a terminal: no progress line', async () => {
  if (!hasTmux) {
    console.log('skipped: tmux is not installed (apt-get install tmux)');
    return;
  }
  const { panes } = await inTerminal('--quiet');
  assert.not.ok(
    panes.some((p) => /% of the input/.test(p)),
    panes.join('\n---\n'),
  );
});

test('stderr not a terminal: no progress, no escape code', () => {
  const r = spawnSync('sh', ['-c', cmd('')], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0);
  const err = readFileSync(join(dir, 'err.txt'), 'utf8');
  assert.match(err, /run ok: records in 3000, out 3000/);
  assert.not.match(err, /\x1b/, 'no escape code in a pipe');
  assert.not.match(err, /% of the input/);
});

test.run();
