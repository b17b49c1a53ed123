// A LaneGraph stage role's asynchronous work (timers, promises) runs while the graph runs, busy or
// idle, and its failure (an uncaught throw in a timer, an unhandled rejection) stops the graph at
// once, naming the role, as a synchronous throw does (issue 15 item 7; the SingleRing stage worker
// in test/run/stage-async-failure.test.ts). The input never ends here: a failure noticed only at
// the end of the input would time the test out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import type { RunSummary } from '../../kernel/hooks.ts';
import { laneGraph, lane, ingress, egress, stage, CollectingEgress, start, withTimeout } from './harness.ts';

const FIXTURE = new URL('../run/fixtures/async-fault-plugin.ts', import.meta.url).pathname;
const enc = new TextEncoder();

async function kernel(): Promise<Kernel> {
  const k = new Kernel();
  await loadPlugins(k, ['core-stages', FIXTURE]);
  return k;
}

/** Push records until the run is done (it must stop by itself); the summary and how many were pushed. */
async function pushUntilDone(
  run: Awaited<ReturnType<typeof start>>,
  busy: boolean,
): Promise<{ s: RunSummary; pushed: number }> {
  let done: RunSummary | null = null;
  void run.done.then((s) => {
    done = s;
  });
  let pushed = 0;
  while (!done) {
    if (busy) {
      const p = run.sink.push(enc.encode(`r${pushed++}`));
      if (p) await p;
      if (pushed % 500 === 0) await new Promise((r) => setImmediate(r));
    } else {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return { s: done, pushed };
}

for (const [key, what, busy] of [
  ['throw_in_timer:300', 'boom from a timer', true],
  ['reject_in_batch:5', 'rejected in a stage promise', true],
  ['throw_in_timer:300', 'boom from a timer', false],
] as const) {
  test(`${busy ? 'busy' : 'idle'} graph: ${key} in a stage role stops the graph at once, the role named`, async () => {
    for (const wait of busy ? (['backoff'] as const) : (['backoff', 'block', 'spin'] as const)) {
      const spec = laneGraph({
        wait,
        lanes: [lane('a', 'events', 64), lane('b', 'events', 64)],
        endpoints: [ingress('in', 'a'), egress('out', 'b')],
        roles: [stage('faulty', key, 'a', 'b')],
      });
      const t0 = Date.now();
      const run = await start(await kernel(), spec, new CollectingEgress());
      const { s } = await withTimeout(pushUntilDone(run, busy), 30_000, `${key} (${wait})`);
      const ms = Date.now() - t0;
      assert.not.ok(s.ok, wait);
      assert.is(s.error!.code, 'BYTEOR_E_STAGE_FAILED', wait);
      assert.is(s.error!.stage, 'faulty', wait);
      assert.match(s.error!.message, new RegExp(`role "faulty" failed: ${what} \\(in its asynchronous work`));
      assert.ok(ms < 10_000, `${wait}: noticed after ${ms} ms`);
    }
  });
}

test("a stage role's timers tick while the graph is busy and while it is idle", async () => {
  const spec = laneGraph({
    lanes: [lane('a', 'events', 64), lane('b', 'events', 64)],
    endpoints: [ingress('in', 'a'), egress('out', 'b')],
    roles: [stage('ticking', 'timer_counter:10', 'a', 'b')],
  });
  const run = await start(await kernel(), spec, new CollectingEgress());
  const end = Date.now() + 800;
  let i = 0;
  while (Date.now() < end) {
    const p = run.sink.push(enc.encode(`r${i++}`));
    if (p) await p;
    if (i % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 500)); // idle
  run.sink.end();
  const s = await withTimeout(run.done, 30_000, 'ticking run');
  assert.ok(s.ok, JSON.stringify(s.error));
  const ticks = s.counters.find((c) => c.key === 'timer_counter:10')?.values.ticks ?? 0;
  assert.ok(ticks >= 20, `ticks ${ticks} in ~1.3 s of a 10 ms timer`);
});

test.run();
