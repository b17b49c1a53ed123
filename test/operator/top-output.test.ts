// `byteor top` off a terminal: --once and plain frames carry no escape codes, --json is one
// TopFrame line per refresh with rates from the second on, a dead runtime's state file is
// marked, and no run directory at all is exit 6.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TopFrame } from '../../plugins/verbs/top/top-frame.ts';
import { tempDir } from '../run/cli-harness.ts';
import { CLI, exitWithin, kill, repo, startLive, until } from './live-runtime.ts';

const top = (...args: string[]) =>
  spawnSync(CLI[0]!, [...CLI.slice(1), 'top', ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });

test(
  '--once, plain frames and --json against a live ' + 'SingleRing runtime; then its state file after it died',
  async () => {
    const rt = await startLive();
    try {
      rt.feed(100);
      await until('100 records out', () => {
        const r = top(`--run-dir=${rt.runDir}`, '--json', '--once');
        const f = TopFrame.parse(JSON.parse(r.stdout));
        return f.records.out === 100 ? f : undefined;
      });

      const once = top(`--run-dir=${rt.runDir}`, '--once');
      assert.is(once.status, 0, once.stderr);
      assert.not.match(once.stdout, /\x1b/, 'no escape codes when stdout is not a terminal');
      assert.match(once.stdout, /^byteor top - test \(sha256:[0-9a-f]{12}\) single_ring - running - pid \d+/m);
      assert.match(once.stdout, /^in 100 \(-\/s\) out 100 \(-\/s\) dropped 0 refused 0 cpu - rss \d+\.\d MiB$/m);
      assert.match(once.stdout, /^1 upper +0 +- +99 +0 /m);

      const plain = top(`--run-dir=${rt.runDir}`, '--count=2', '--interval=0.2');
      assert.is(plain.status, 0, plain.stderr);
      assert.not.match(plain.stdout, /\x1b/);
      assert.is(plain.stdout.match(/^byteor top - /gm)?.length, 2, 'two plain frames');

      const json = top(`--run-dir=${rt.runDir}`, '--json', '--count=3', '--interval=0.3');
      assert.is(json.status, 0, json.stderr);
      assert.not.match(json.stdout, /\x1b/);
      const frames = json.stdout
        .trim()
        .split('\n')
        .map((l) => TopFrame.parse(JSON.parse(l)));
      assert.is(frames.length, 3);
      assert.is(frames[0]!.rates.in_per_s, null, 'no rate before a second sample');
      assert.is(frames[2]!.rates.in_per_s, 0, 'idle: 0 records/s');
      assert.ok(frames[2]!.process && frames[2]!.process.rss_bytes > 0 && frames[2]!.process.cpu_percent !== null);
      assert.equal(
        frames[2]!.rows.map((r) => [r.name, r.records, r.records_per_s]),
        [
          ['0 identity', 100, 0],
          ['1 upper', 100, 0],
          ['2 identity', 100, 0],
          ['egress', 100, 0],
        ],
      );
      assert.ok(frames.every((f) => f.alive && f.source === 'live' && f.pid === rt.child.pid));

      rt.child.kill('SIGKILL'); // dies without a word: a stale socket and its last state file
      await exitWithin(rt);
      const dead = top(`--run-dir=${rt.runDir}`, '--once');
      assert.is(dead.status, 0, dead.stderr);
      assert.match(dead.stdout, /^DEAD: no live runtime \(/m);
      const deadJson = TopFrame.parse(JSON.parse(top(`--run-dir=${rt.runDir}`, '--once', '--json').stdout));
      assert.is(deadJson.alive, false);
      assert.is(deadJson.source, 'state_file');
      assert.is(deadJson.process, null, 'no /proc reading of a pid that is not the runtime any more');
    } finally {
      kill(rt.child);
    }
  },
);

test('rows are sorted by lag, the largest first; a stalled stage is marked', async () => {
  const { FrameBuilder } = await import('../../plugins/verbs/top/frame-builder.ts');
  const { renderFrame } = await import('../../plugins/verbs/top/render.ts');
  const row = (id: string, lag: number, stalled = false) => ({
    id,
    kind: 'stage' as const,
    name: id,
    shard: 0,
    key: id,
    records: 1,
    sequence: 1,
    lag,
    stalled,
    dropped: 0,
    counters: { ok: 3 },
  });
  const f = new FrameBuilder('/nonexistent').next(
    {
      model: 'single_ring',
      specName: 's',
      specHash: 'sha256:00',
      source: 'live',
      capturedUnixMs: 2000,
      pid: 1,
      state: 'running',
      startedUnixMs: 1000,
      records: { in: 1, out: 1, dropped: 0, refused: 0 },
      rows: [row('a', 1), row('b', 700, true), row('c', 0)],
      adapters: [
        {
          role: 'ingress',
          kind: 'nats',
          endpoint: 'nats://x',
          transport: 'nats',
          connection_state: 'reconnecting',
          message_count: 5,
          lag: { value: 3, unit: 'messages' },
          recent_failures: [{ unix_ms: 1, message: 'ECONNREFUSED' }],
        },
      ],
      error: null,
    },
    null,
  );
  assert.equal(
    f.rows.map((r) => r.id),
    ['b', 'a', 'c'],
  );
  const text = renderFrame(f, { cols: 80, rows: 24 }, '00:00:00').join('\n');
  assert.match(text, /^b +0 +- +1 +700 STALL +0  ok=3$/m);
  assert.match(text, /^ingress nats +nats +reconnecting +5 +3 messages  1 ECONNREFUSED$/m);
  const small = renderFrame(
    { ...f, rows: Array.from({ length: 40 }, (_, i) => ({ ...f.rows[0]!, id: `r${i}`, name: `r${i}` })) },
    { cols: 80, rows: 24 },
    '00:00:00',
  );
  assert.is(small.length, 24, 'exactly the screen height');
  assert.ok(small.some((l) => /^\.\.\. \d+ more \(smaller lag\)$/.test(l)));
  assert.ok(small.every((l) => l.length <= 80));
});

test('no run directory: exit 6 with BYTEOR_E_SNAPSHOT_UNAVAILABLE', () => {
  const r = top(`--run-dir=${join(tempDir(), 'none')}`, '--once');
  assert.is(r.status, 6);
  assert.match(r.stderr, /BYTEOR_E_SNAPSHOT_UNAVAILABLE/);
});

test.run();
