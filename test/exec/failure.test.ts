// stage_failure_policy stop_pipeline, drops and refusals: every record is accounted for.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coreKernel, singleRing, CheckingEgress, start } from './harness.ts';
import type { ByteorError } from '../../kernel/errors.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

async function pushAll(run: Awaited<ReturnType<typeof start>>, texts: string[]) {
  for (const t of texts) {
    const p = run.sink.push(enc.encode(t));
    if (p) await p;
  }
  run.sink.end();
  return run.done;
}

test('a failing stage stops the whole pipeline and is reported with its key and the sequence', async () => {
  const kernel = await coreKernel();
  const spec = singleRing(
    [
      { key: 'identity', depends_on: [] },
      { key: 'fail_on:boom', depends_on: [0] },
      { key: 'identity', depends_on: [1] },
    ],
    { capacity: 64 },
  );
  const out: string[] = [];
  const failures: ByteorError[] = [];
  const run = await start(kernel, spec, new CheckingEgress((r) => out.push(dec.decode(r))), {
    onFailure: (e) => failures.push(e),
  });
  const texts = Array.from({ length: 2000 }, (_, i) => (i === 700 ? 'boom' : `r${i}`));
  const s = await pushAll(run, texts);
  assert.not.ok(s.ok);
  assert.is(s.error?.code, 'BYTEOR_E_STAGE_FAILED');
  assert.is(s.error?.stage, 'fail_on:boom');
  assert.is(s.error?.sequence, 700);
  assert.match(s.error!.message, /stage 1 \(fail_on:boom\) of shard 0 failed at sequence 700/);
  assert.is(failures.length, 1, 'onFailure once');
  assert.is(run.state, 'failed');
  assert.ok(out.length <= 700, 'nothing at or after the failing record left');
  for (let i = 0; i < out.length; i++) assert.is(out[i], `r${i}`);
  const lost = s.records_in - s.records_out - s.dropped - s.refused;
  assert.ok(lost > 0);
  assert.is(s.undelivered, lost, 'in = out + dropped + refused + undelivered');
  assert.match(s.error!.message, new RegExp(`${lost} records were not delivered: shard 0 sequences \\d+\\.\\.\\d+`));
});

test('a failure in one shard stops every shard', async () => {
  const kernel = await coreKernel();
  const spec = singleRing([{ key: 'fail_on:k1,boom', depends_on: [] }], {
    shards: 2,
    ordering: 'per_key',
    shard_key: 'delimited:,:0',
    capacity: 32,
  });
  const run = await start(kernel, spec, new CheckingEgress(() => {}));
  const texts = Array.from({ length: 5000 }, (_, i) => (i === 300 ? 'k1,boom' : `k${i % 2},${i}`));
  const s = await pushAll(run, texts);
  assert.not.ok(s.ok);
  assert.is(s.error?.stage, 'fail_on:k1,boom');
  for (const r of run.rings) assert.is(r.halt(), 2, 'every ring aborted');
});

test(
  'dropped records are counted, not written; oversized ' + 'records are refused and counted, never truncated',
  async () => {
    const kernel = await coreKernel();
    const spec = singleRing(
      [
        { key: 'drop_if:skip', depends_on: [] },
        { key: 'identity', depends_on: [0] },
      ],
      { capacity: 8, slot_bytes: 16 },
    );
    const out: string[] = [];
    const refusedAt: number[] = [];
    const run = await start(kernel, spec, new CheckingEgress((r) => out.push(dec.decode(r))), {
      onRefused: (i, n, max) => {
        refusedAt.push(i);
        assert.is(max, 16);
        assert.ok(n > 16);
      },
    });
    const texts: string[] = [];
    for (let i = 0; i < 500; i++) texts.push(i % 10 === 3 ? 'skip' : i % 50 === 7 ? 'x'.repeat(17) : `r${i}`);
    const s = await pushAll(run, texts);
    assert.ok(s.ok, JSON.stringify(s.error));
    assert.is(s.dropped, 50);
    assert.is(s.refused, 10);
    assert.equal(
      refusedAt,
      Array.from({ length: 10 }, (_, j) => j * 50 + 7),
    );
    assert.is(s.records_out, 440);
    assert.is(s.records_in, 500);
    assert.equal(
      out,
      texts.filter((t) => t !== 'skip' && t.length <= 16),
    );
    const dropStage = s.counters.find((c) => c.stage === 0)!;
    assert.is(dropStage.values.dropped, 50, 'the stage counter in shared memory');
    assert.is(s.records_in, s.records_out + s.dropped + s.refused);
  },
);

test('the source failing stops the run with the source error', async () => {
  const kernel = await coreKernel();
  const spec = singleRing([{ key: 'identity', depends_on: [] }]);
  const run = await start(kernel, spec, new CheckingEgress(() => {}));
  run.sink.push(enc.encode('a'));
  await new Promise((r) => setTimeout(r, 200)); // egress has written 'a' and waits for more
  run.sink.fail(new Error('connection refused for good'));
  const s = await run.done;
  assert.not.ok(s.ok);
  assert.is(s.error?.code, 'BYTEOR_E_INGRESS_FAILED');
  assert.match(s.error!.message, /connection refused for good/);
});

test.run();
