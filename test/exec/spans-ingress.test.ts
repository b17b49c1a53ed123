// The producer's batch ingress (IngressSink.pushSpans): records as byte ranges of one chunk,
// copied straight into slots. Order, refusals, blocking on a full ring, several shards, and
// mixing with push are the same as record by record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coreKernel, singleRing, CheckingEgress, start, RecordStream, expectUpper } from './harness.ts';
import { READ_BUFFER_BYTES } from '../../kernel/exec/ingress-read-buffers.ts';

const dec = new TextDecoder();

/** Records 0..n-1 of a seeded stream in one chunk, with their spans. */
function chunkOf(seed: number, n: number): { bytes: Uint8Array; spans: Uint32Array } {
  const stream = new RecordStream(seed);
  const bytes = new Uint8Array(n * 64);
  const spans = new Uint32Array(2 * n);
  let o = 3; // not at offset 0 and not word-aligned: the copy must not assume either
  for (let i = 0; i < n; i++) {
    const len = stream.fill(i);
    bytes.set(stream.buf.subarray(0, len), o);
    spans[2 * i] = o;
    spans[2 * i + 1] = o + len;
    o += len + 1;
  }
  return { bytes, spans };
}

test(
  'one shard: every record of the spans arrives once, ' + 'in order, through a ring much smaller than the batch',
  async () => {
    const kernel = await coreKernel();
    const spec = singleRing(
      [
        { key: 'upper', depends_on: [] },
        { key: 'identity', depends_on: [0] },
      ],
      { capacity: 16 },
    );
    const { state, check } = expectUpper(11);
    const egress = new CheckingEgress(check);
    const run = await start(kernel, spec, egress);
    const N = 8_000;
    const { bytes, spans } = chunkOf(11, N);
    let blocked = 0;
    for (let first = 0; first < N; first += 1000) {
      const p = run.sink.pushSpans(bytes, spans.subarray(2 * first), Math.min(1000, N - first));
      if (p) {
        blocked++;
        await p;
      }
    }
    run.sink.end();
    const s = await run.done;
    assert.ok(s.ok, JSON.stringify(s.error));
    assert.ok(blocked > 0, 'the ring was full at least once');
    assert.is(state.bad, -1, `first wrong record at ${state.bad}`);
    assert.is(egress.count, N);
    assert.is(s.records_in, N);
    assert.is(s.records_out, N);
  },
);

test('a read buffer the runtime lends: records pushed from it arrive in order; the region is bounded', async () => {
  const kernel = await coreKernel();
  const spec = singleRing([{ key: 'upper', depends_on: [] }], { capacity: 16 });
  const { state, check } = expectUpper(12);
  const egress = new CheckingEgress(check);
  const run = await start(kernel, spec, egress);
  const N = 4_000;
  const { bytes, spans } = chunkOf(12, N);
  const lent = run.sink.readBuffer!(bytes.length);
  assert.ok(lent, 'a buffer is lent');
  assert.ok(lent.buffer === run.rings[0]!.u8.buffer, 'in the shared memory');
  assert.is(lent.byteOffset % 64, 0, 'aligned');
  lent.set(bytes);
  assert.is(run.sink.readBuffer!(READ_BUFFER_BYTES), null, 'no more than the region holds');
  assert.is(run.sink.readBuffer!(0), null);
  for (let first = 0; first < N; first += 500) {
    const p = run.sink.pushSpans(lent, spans.subarray(2 * first), Math.min(500, N - first));
    if (p) await p;
  }
  run.sink.end();
  const s = await run.done;
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(state.bad, -1, `first wrong record at ${state.bad}`);
  assert.is(egress.count, N);
});

test(
  'oversized spans are refused at their index and counted, ' + 'the others delivered in order (one shard and three)',
  async () => {
    for (const shards of [1, 3]) {
      const kernel = await coreKernel();
      const spec = singleRing([{ key: 'drop_if:k2,skip', depends_on: [] }], {
        capacity: 8,
        slot_bytes: 16,
        shards,
        ordering: shards > 1 ? 'per_key' : 'strict',
        shard_key: shards > 1 ? 'delimited:,:0' : 'record',
      });
      const out: string[] = [];
      const refusedAt: number[] = [];
      const run = await start(kernel, spec, new CheckingEgress((r) => out.push(dec.decode(r))), {
        onRefused: (i, n, max) => {
          refusedAt.push(i);
          assert.is(max, 16);
          assert.is(n, 17);
        },
      });
      const texts: string[] = [];
      for (let i = 0; i < 300; i++)
        texts.push(i % 10 === 3 ? 'k2,skip' : i % 50 === 7 ? 'k1,'.padEnd(17, 'x') : `k${i % 5},${i}`);
      const bytes = new TextEncoder().encode(texts.join('\n'));
      const spans = new Uint32Array(2 * texts.length);
      let o = 0;
      texts.forEach((t, i) => {
        spans[2 * i] = o;
        spans[2 * i + 1] = o + t.length;
        o += t.length + 1;
      });
      // in batches of 37 (not a divisor of anything here), a record by push in between
      const expected: string[] = [];
      let i = 0;
      while (i < texts.length) {
        const n = Math.min(37, texts.length - i);
        const p = run.sink.pushSpans(bytes, spans.subarray(2 * i), n);
        const q = run.sink.push(new TextEncoder().encode(`k4,push${i}`)); // queues behind a blocked batch
        for (let j = i; j < i + n; j++) if (texts[j] !== 'k2,skip' && texts[j]!.length <= 16) expected.push(texts[j]!);
        expected.push(`k4,push${i}`);
        if (p) await p;
        if (q) await q;
        i += n;
      }
      run.sink.end();
      const s = await run.done;
      assert.ok(s.ok, JSON.stringify(s.error));
      const pushes = Math.ceil(300 / 37);
      assert.is(s.records_in, 300 + pushes);
      assert.is(s.refused, 6, `${shards} shard(s)`);
      assert.is(s.dropped, 30);
      // indices count every record received, the pushed ones included
      const idx: number[] = [];
      let received = 0;
      for (let b = 0; b < 300; b += 37) {
        for (let j = b; j < Math.min(b + 37, 300); j++, received++) if (j % 50 === 7) idx.push(received);
        received++; // the push after the batch
      }
      assert.equal(refusedAt, idx);
      assert.equal(out, expected, `${shards} shard(s): ingress order`);
      assert.is(s.records_in, s.records_out + s.dropped + s.refused);
    }
  },
);

test('three shards: spans are routed by the shard key and come out in ingress order', async () => {
  const kernel = await coreKernel();
  const spec = singleRing([{ key: 'upper', depends_on: [] }], {
    shards: 3,
    ordering: 'per_key',
    shard_key: 'delimited:,:0',
    capacity: 32,
  });
  const { state, check } = expectUpper(5);
  const egress = new CheckingEgress(check);
  const run = await start(kernel, spec, egress);
  const N = 12_000;
  const { bytes, spans } = chunkOf(5, N);
  for (let first = 0; first < N; first += 1024) {
    const p = run.sink.pushSpans(bytes, spans.subarray(2 * first), Math.min(1024, N - first));
    if (p) await p;
  }
  run.sink.end();
  const s = await run.done;
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.is(state.bad, -1, `first wrong record at ${state.bad}`);
  assert.is(egress.count, N);
  const perShard = [0, 1, 2].map((sh) => s.counters.find((c) => c.shard === sh && c.stage === 0)!.values.records!);
  assert.is(
    perShard.reduce((a, b) => a + b, 0),
    N,
  );
  for (const n of perShard) assert.ok(n > 0, 'every shard got records');
});

test('a run that fails while spans wait for room counts the rest as received, not delivered', async () => {
  const kernel = await coreKernel();
  const spec = singleRing([{ key: 'fail_on:k3,500', depends_on: [] }], { capacity: 8 });
  const run = await start(kernel, spec, new CheckingEgress(() => {}));
  const texts = Array.from({ length: 2000 }, (_, i) => `k${i % 7},${i}`);
  const bytes = new TextEncoder().encode(texts.join('\n'));
  const spans = new Uint32Array(2 * texts.length);
  let o = 0;
  texts.forEach((t, i) => {
    spans[2 * i] = o;
    spans[2 * i + 1] = o + t.length;
    o += t.length + 1;
  });
  const p = run.sink.pushSpans(bytes, spans, texts.length);
  if (p) await p;
  run.sink.end();
  const s = await run.done;
  assert.not.ok(s.ok);
  assert.is(s.error?.code, 'BYTEOR_E_STAGE_FAILED');
  assert.is(s.records_in, 2000, 'every record is accounted as received');
  assert.ok(s.records_out < 500);
});

test.run();
