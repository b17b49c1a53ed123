// `byteor top` in a real terminal: tmux 80x24 with a live SingleRing and a live LaneGraph
// runtime; the pane is captured twice (it refreshed, shows the stages, fits 80 columns), then q
// quits and the terminal is given back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../run/cli-harness.ts';
import { CLI, kill, repo, startLive, until, exitWithin, type LiveRuntime } from './live-runtime.ts';

const haveTmux = (() => {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();
const tmuxDir = tempDir('byteor-tmux-');
const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-L', `byteor-top-${process.pid}`, ...args], {
    env: { ...process.env, TMUX_TMPDIR: tmuxDir },
    encoding: 'utf8',
  });
const capture = () => tmux('capture-pane', '-p', '-t', 'top');
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function drive(rt: LiveRuntime, expect: RegExp[], out: RegExp): Promise<void> {
  const cmd = [...CLI, 'top', `--run-dir=${rt.runDir}`, '--interval=0.3'].map(quote).join(' ');
  tmux('new-session', '-d', '-x', '80', '-y', '24', '-s', 'top', '-c', repo, `${cmd}; echo TOP-EXIT=$?; sleep 60`);
  try {
    const first = await until(
      'top draws its first frame',
      () => {
        const c = capture();
        return /q quit/.test(c) ? c : undefined;
      },
      60_000,
    );
    rt.feed(250);
    const second = await until(
      'top shows the new records',
      () => {
        const c = capture();
        return /in 250 /.test(c) && out.test(c) ? c : undefined;
      },
      30_000,
    );
    assert.is.not(first, second, 'the pane was redrawn');
    for (const text of [first, second]) {
      const lines = text.replace(/\n+$/, '').split('\n');
      assert.ok(lines.length <= 24, `at most 24 lines:\n${text}`);
      for (const l of lines) assert.ok(l.length <= 80, `a line wider than 80 columns: ${l}`);
      assert.match(text, /^byteor top - /m);
      for (const re of expect) assert.match(text, re);
      assert.match(text, /q quit - sorted by lag/);
      assert.not.match(text, /\x1b/);
    }
    tmux('send-keys', '-t', 'top', 'q');
    const after = await until(
      'top quits on q',
      () => {
        const c = capture();
        return /TOP-EXIT=0/.test(c) ? c : undefined;
      },
      15_000,
    );
    assert.not.match(after, /q quit - sorted by lag/, 'the alternate screen is gone');
  } finally {
    try {
      tmux('kill-server');
    } catch {
      /* already gone */
    }
  }
}

test('SingleRing: top in tmux 80x24 refreshes, shows every stage and egress, q quits', async () => {
  if (!haveTmux) {
    console.log('skipped: tmux is not installed');
    return;
  }
  const rt = await startLive();
  try {
    await drive(
      rt,
      [/^STAGE +SHARD +REC\/S +CURSOR +LAG/m, /^0 identity +0 /m, /^1 upper +0 /m, /^2 identity +0 /m, /^egress +0 /m],
      /out 250 /,
    );
    rt.child.stdin!.end();
    assert.is(await exitWithin(rt), 0, rt.stderr());
  } finally {
    kill(rt.child);
  }
});

test('LaneGraph: top in tmux 80x24 shows the roles and endpoints', async () => {
  if (!haveTmux) {
    console.log('skipped: tmux is not installed');
    return;
  }
  const rt = await startLive({ spec: join(repo, 'examples/lanegraph_fanout_merge.kv') });
  try {
    // fanned out to two consumers, merged
    await drive(rt, [/^ROLE +SHARD/m, /lane_graph/, /^parse /m, /^upper /m], /out 500 /);
  } finally {
    kill(rt.child);
  }
});

test.run();
