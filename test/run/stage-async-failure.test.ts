// A stage's asynchronous work (timers, promises) runs while the pipeline runs, busy or idle, and
// its failure (an uncaught throw in a timer, an unhandled rejection) stops the pipeline at once,
// naming the stage, as a synchronous throw does. The input never ends in these runs: a failure
// noticed only at the end of the input would time the test out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeTemp, chainSpec } from './cli-harness.ts';
import { startRuntime, until, liveSnapshot, exitWithin, kill } from './runtime-process.ts';

const FIXTURE = new URL('./fixtures/async-fault-plugin.ts', import.meta.url).pathname;

/** Keep the pipeline busy: records to stdin until the runtime exits or `ms` pass; returns how many were written. */
async function feed(rt: ReturnType<typeof startRuntime>, ms: number): Promise<number> {
  let done = false;
  void rt.exited.then(() => {
    done = true;
  });
  rt.child.stdin!.on('error', () => {
    /* it stopped reading */
  });
  const chunk = Array.from({ length: 1000 }, (_, i) => `record-${i}`).join('\n') + '\n';
  let n = 0;
  const end = Date.now() + ms;
  while (!done && Date.now() < end) {
    n += 1000;
    if (!rt.child.stdin!.write(chunk)) await new Promise((r) => setTimeout(r, 1));
    else if (n % 20_000 === 0) await new Promise((r) => setImmediate(r));
  }
  return n;
}

for (const [key, what] of [
  ['throw_in_timer:300', 'boom from a timer'],
  ['reject_in_batch:5', 'rejected in a stage promise'],
] as const) {
  test(
    `busy pipeline: ${key} stops the run at once (exit ` + `1, the stage named), long before the input ends`,
    async () => {
      const dir = tempDir();
      const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity', key, 'identity']));
      const rt = startRuntime([
        '--sp',
        `--spec=${spec}`,
        '--input=-',
        '--output=/dev/null',
        `--plugin=${FIXTURE}`,
        '--json',
      ]);
      let out = '';
      rt.child.stdout!.on('data', (d) => {
        out += d;
      });
      try {
        const fed = await feed(rt, 30_000);
        const code = await exitWithin(rt, 10_000);
        assert.is(code, 1, rt.stderr());
        const summary = JSON.parse(out.slice(0, out.indexOf('\n}\n') + 3)); // the summary, then the error document
        console.log(
          `${key}: failed ${summary.elapsed_ms} ms into the run, after ${summary.records_in} records in (${fed} fed)`,
        );
        assert.is(summary.error.stage, key);
        assert.ok(summary.elapsed_ms < 5_000, `noticed ${summary.elapsed_ms} ms into the run`);
        assert.is(summary.error.code, 'BYTEOR_E_STAGE_FAILED');
        assert.match(
          summary.error.message,
          new RegExp(`^stage 1 \\(${key}\\) of shard 0 failed: ${what} \\(in its asynchronous work`),
        );
        assert.not.match(rt.stderr() + out, /\n\s+at .*:\d+:\d+\)?\n/, 'no raw stack trace');
      } finally {
        kill(rt.child);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

for (const wait of ['backoff', 'block', 'spin'] as const) {
  test(`idle pipeline (--wait=${wait}): a timer that throws stops the long-running runtime at once`, async () => {
    const dir = tempDir();
    const runDir = join(dir, 'rd');
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['throw_in_timer:700']));
    const rt = startRuntime([
      `--spec=${spec}`,
      '--input=-',
      '--output=/dev/null',
      `--run-dir=${runDir}`,
      `--plugin=${FIXTURE}`,
      `--wait=${wait}`,
    ]);
    try {
      rt.child.stdin!.write('a\nb\n'); // then nothing: the stage worker waits for records
      const code = await exitWithin(rt, 10_000);
      assert.is(code, 1, rt.stderr());
      assert.match(
        rt.stderr(),
        /error\[BYTEOR_E_STAGE_FAILED\]: stage 0 \(throw_in_timer:700\) of shard 0 failed.*boom from a timer/,
      );
    } finally {
      kill(rt.child);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a stage timer ticks while the pipeline is busy and while it is idle', async () => {
  const dir = tempDir();
  const runDir = join(dir, 'rd');
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['timer_counter:10']));
  const rt = startRuntime([
    `--spec=${spec}`,
    '--input=-',
    '--output=/dev/null',
    `--run-dir=${runDir}`,
    `--plugin=${FIXTURE}`,
  ]);
  try {
    await until(
      'the runtime is up',
      async () => ((await liveSnapshot(runDir)).runtime.pid === rt.child.pid ? true : undefined),
      30_000,
    );
    const ticks = async () => (await liveSnapshot(runDir)).shards[0]!.stages[0]!.counters.ticks ?? 0;
    const before = await ticks();
    await feed(rt, 1_500);
    const busy = await ticks();
    console.log(`timer ticks: ${busy - before} in 1.5 s busy`);
    assert.ok(busy - before >= 20, `only ${busy - before} ticks of a 10 ms timer in 1.5 s of a busy pipeline`);
    await new Promise((r) => setTimeout(r, 500));
    const idle = await ticks();
    assert.ok(idle - busy >= 10, `only ${idle - busy} ticks of a 10 ms timer in 0.5 s of an idle pipeline`);
    rt.child.kill('SIGTERM');
    assert.is(await exitWithin(rt), 0, rt.stderr());
  } finally {
    kill(rt.child);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
