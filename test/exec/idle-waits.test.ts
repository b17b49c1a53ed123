// An idle stage worker (backoff) waits in slices, turning its event loop between them, and after
// IDLE_SLICES sleeps on its event loop: records that come after pauses inside the slices, just past
// them and far past them (a deep idle) all arrive, in order, whatever phase the stages were in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckingEgress, RecordStream, coreKernel, expectUpper, singleRing, start } from './harness.ts';
import { IDLE_SLICES, WAIT_SLICE_MS } from '../../kernel/exec/event-loop-turns.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('records after pauses within, just past and far past the idle slices all arrive, in order', async () => {
  const kernel = await coreKernel();
  const spec = singleRing([
    { key: 'upper', depends_on: [] },
    { key: 'identity', depends_on: [0] },
  ]);
  const { state, check } = expectUpper(11);
  const egress = new CheckingEgress(check);
  const run = await start(kernel, spec, egress);
  const stream = new RecordStream(11);
  const slices = IDLE_SLICES * WAIT_SLICE_MS;
  const pauses = [0, 2, slices / 2, slices + 5, 3 * slices, 1, 0, slices + 1];
  let i = 0;
  for (const pause of pauses) {
    for (let k = 0; k < 100; k++, i++) {
      const p = run.sink.push(stream.buf.subarray(0, stream.fill(i)));
      if (p) await p;
    }
    await sleep(pause);
    // what was pushed before the pause came through it (the stages woke from whatever wait)
    for (let t = 0; egress.count < i && t < 400; t++) await sleep(5);
    assert.is(egress.count, i, `after a pause of ${pause} ms`);
  }
  run.sink.end();
  const s = await run.done;
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(state.bad, -1, `first wrong record at ${state.bad}`);
  assert.is(s.records_out, i);
});

test.run();
