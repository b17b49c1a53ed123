// The long-running `run` (no --sp) as a real child process: {"op":"stop"} over the control
// socket, a busy run directory, and the socket answering while the pipeline is blocked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryRuntime } from '../../kernel/rundir/control-client.ts';
import { tempDir, writeTemp, chainSpec } from './cli-harness.ts';
import { startRuntime, until, liveSnapshot, exitWithin, kill } from './runtime-process.ts';

test(
  '{"op":"stop"} over the control socket drains and exits ' + '0; a second runtime on the same run dir is refused',
  async () => {
    const dir = tempDir();
    const runDir = join(dir, 'rd');
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
    const rt = startRuntime([`--spec=${spec}`, '--input=-', `--output=${join(dir, 'o.txt')}`, `--run-dir=${runDir}`]);
    try {
      rt.child.stdin!.write('a\nb\n');
      await until('runtime up', async () => ((await liveSnapshot(runDir)).records.out === 2 ? true : undefined));
      const second = startRuntime([`--spec=${spec}`, '--input=-', `--run-dir=${runDir}`]);
      second.child.stdin!.end();
      assert.is(await exitWithin(second), 1);
      assert.match(second.stderr(), /BYTEOR_E_RUNDIR_BUSY/);
      const res = await queryRuntime(runDir, 'stop');
      assert.ok(res.ok && res.op === 'stop');
      assert.is(await exitWithin(rt), 0, rt.stderr());
      assert.is(readFileSync(join(dir, 'o.txt'), 'utf8'), 'a\nb\n');
    } finally {
      kill(rt.child);
    }
  },
);

test(
  'the control socket answers while the ring is full ' + 'and the producer is blocked (main thread never blocks)',
  async () => {
    const dir = tempDir();
    const runDir = join(dir, 'rd');
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['sleep_us:1500000'], { capacity: 2, wait: 'block' }));
    const rt = startRuntime([`--spec=${spec}`, '--input=-', `--output=${join(dir, 'o.txt')}`, `--run-dir=${runDir}`]);
    try {
      rt.child.stdin!.write(`${Array.from({ length: 8 }, (_, i) => `r${i}`).join('\n')}\n`);
      const blocked = await until('a full ring', async () => {
        const s = await liveSnapshot(runDir);
        const sh = s.shards[0]!;
        return sh.cursor - sh.min_gating === 2 && s.records.in > 2 ? s : undefined;
      });
      assert.ok(blocked.records.out < 8, 'the slow stage still holds records');
      const t0 = performance.now();
      const ping = await queryRuntime(runDir, 'ping', { timeoutMs: 10_000 });
      assert.ok(ping.ok);
      process.stderr.write(
        `    control ping while the producer is blocked: ${(performance.now() - t0).toFixed(1)} ms\n`,
      );
      rt.child.kill('SIGTERM');
      assert.is(await exitWithin(rt, 90_000), 0, rt.stderr());
      assert.is(readFileSync(join(dir, 'o.txt'), 'utf8').split('\n').length - 1, 8, 'drained: every record written');
    } finally {
      kill(rt.child);
    }
  },
);

test.run();
