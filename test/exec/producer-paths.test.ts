// The ring producer's placement paths — with one shard: a few records copied here (a push, one
// record per publish; a core call each when they lie in a lent read buffer), a batch staged for
// the core's batch write, a chunk too large for the staging area copied record by record; with several: a batch routed
// and written per shard, or record by record when a ring lacks room — against a model: for any mix of calls, records,
// shards and ring sizes, what comes out (in route-log order) is every record that fits, in
// order, byte for byte, and every other one is counted as refused at its index. Egress is
// played on this thread.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compileCore, createSharedMemory, instantiateCore } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { EGRESS_CELL, RingHandle } from '../../kernel/core/ring.ts';
import { RingProducer } from '../../kernel/exec/producer.ts';
import { RouteLog } from '../../kernel/exec/route-log.ts';
import { ShardRouter } from '../../kernel/exec/shard-router.ts';
import { IngressStaging, STAGING_BYTES } from '../../kernel/exec/ingress-staging.ts';
import { IngressReadBuffers } from '../../kernel/exec/ingress-read-buffers.ts';

const SEED = 0x9e0d;
const module = compileCore();

function setup(shards: number, capacity: number, slotBytes: number, publishBatch: number) {
  const layout = new LayoutAllocator();
  const bases = Array.from({ length: shards }, (_, i) =>
    layout.carve(`ring.${i}`, LayoutAllocator.ringBytes(capacity, slotBytes)),
  );
  const sbase = layout.carve('staging', IngressStaging.bytes);
  const rbase = layout.carve('read_buffers', IngressReadBuffers.bytes);
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(module, memory);
  const rings = bases.map((base) =>
    RingHandle.create(core, memory, base, { capacity, slotBytes, deps: [[]], egress: true, wait: 'block' }),
  );
  const log = new RouteLog(shards * capacity);
  const refusedAt: number[] = [];
  const batches: Array<[number, number, number]> = [];
  const events = {
    batch(e: { shard: number; firstSeq: number; count: number }) {
      batches.push([e.shard, e.firstSeq, e.count]);
    },
    refused(index: number) {
      refusedAt.push(index);
    },
    ended() {},
    failed() {},
  };
  const router = new ShardRouter(shards, { kind: 'prefix', bytes: 2 });
  const producer = new RingProducer(
    rings,
    router,
    log,
    events,
    null,
    publishBatch,
    new IngressStaging(memory, sbase),
    new IngressReadBuffers(memory, rbase),
  );
  const out: number[][] = [];
  const next = rings.map((r) => r.cellSeq(EGRESS_CELL) + 1);
  // egress as the executor's reader does it: in route-log order, each record once its ring published it
  const pump = () => {
    let n = 0;
    while (log.size > 0) {
      const shard = log.peekShard();
      const ring = rings[shard]!;
      const seq = next[shard]!;
      if (seq > ring.cursor()) break;
      const at = ring.payloadOffset(seq);
      out.push([...ring.u8.subarray(at, at + ring.length(seq))]);
      log.shift();
      next[shard] = seq + 1;
      n++;
    }
    rings.forEach((ring, s) => {
      ring.release(0, next[s]! - 1);
      ring.release(EGRESS_CELL, next[s]! - 1);
    });
    return n;
  };
  producer.attachEgress({ pump, progress: () => Promise.resolve() });
  return { producer, out, refusedAt, pump, rings, batches };
}

const recordArb = fc.uint8Array({ minLength: 0, maxLength: 24 });
// a call: a push of one record, or pushSpans of a chunk (small, or larger than the staging
// area); `lent`: the bytes lie in a read buffer the producer lent (the shared memory)
const callArb = fc.oneof(
  fc.record({
    kind: fc.constant('push' as const),
    records: recordArb.map((r) => [r]),
    pad: fc.constant(0),
    lent: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('spans' as const),
    records: fc.array(recordArb, { minLength: 1, maxLength: 40 }),
    pad: fc.oneof(fc.constant(0), fc.constant(STAGING_BYTES)),
    lent: fc.boolean(),
  }),
);

/** `bytes` bytes in a buffer the producer lends (when asked and it has room), else on the heap */
const bufferOf = (producer: RingProducer, bytes: number, lent: boolean): Uint8Array =>
  (lent ? producer.readBuffer(bytes) : null) ?? new Uint8Array(bytes);

test(
  'property: every record that fits comes out in order, ' + 'byte for byte; the others are refused at their index',
  async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 3),
        fc.constantFrom(4, 8, 64),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(1, 3, 256),
        fc.array(callArb, { minLength: 1, maxLength: 30 }),
        async (shards, capacity, slotBytes, publishBatch, calls) => {
          const { producer, out, refusedAt, pump } = setup(shards, capacity, slotBytes, publishBatch);
          const expected: number[][] = [];
          const expectedRefused: number[] = [];
          let index = 0;
          for (const call of calls) {
            for (const r of call.records) {
              if (r.length > slotBytes) expectedRefused.push(index);
              else expected.push([...r]);
              index++;
            }
            let p: void | Promise<void>;
            if (call.kind === 'push') {
              const r = call.records[0]!;
              // a lent record sits after a byte of another: its offset in the memory is not 0
              const buf = bufferOf(producer, r.length + 1, call.lent);
              buf.set(r, 1);
              p = producer.push(buf.subarray(1));
            } else {
              // the records in a chunk with a gap before each, and padding after them when asked
              const total = call.records.reduce((n, r) => n + r.length + 1, 0) + call.pad;
              const chunk = bufferOf(producer, total, call.lent);
              const spans = new Uint32Array(2 * call.records.length);
              let o = 0;
              call.records.forEach((r, i) => {
                o++;
                chunk.set(r, o);
                spans[2 * i] = o;
                spans[2 * i + 1] = o + r.length;
                o += r.length;
              });
              p = producer.pushSpans(chunk, spans, call.records.length);
            }
            if (p) await p;
          }
          producer.end();
          pump();
          assert.equal(out, expected);
          assert.equal(refusedAt, expectedRefused);
          assert.is(producer.received, index);
          assert.is(producer.accepted, expected.length);
          assert.is(producer.refused, expectedRefused.length);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  },
);

test('pushSpans publishes what it placed before it returns; a push publishes with its burst', () => {
  const { producer, rings, batches, pump, out } = setup(1, 8, 16, 256);
  const ring = rings[0]!;
  const first = ring.cursor() + 1;
  const one = new Uint32Array([1, 4]);
  // from a lent read buffer (the core claims and copies it in one call) and from the heap
  for (const lent of [true, false]) {
    const buf = bufferOf(producer, 8, lent);
    buf.set([9, 1, 2, 3, 9]);
    const before = ring.cursor();
    assert.is(producer.pushSpans(buf, one, 1), undefined);
    assert.is(ring.cursor(), before + 1, `published when the call returned (lent: ${lent})`);
  }
  assert.equal(batches, [
    [0, first, 1],
    [0, first + 1, 1],
  ]);
  // a record pushed behind one still pending (a push publishes with its burst) goes out with it
  const buf = bufferOf(producer, 8, true);
  buf.set([7, 7, 7, 7], 1);
  producer.push(buf.subarray(1, 5));
  assert.is(ring.cursor(), first + 1, 'the push waits for its burst');
  producer.pushSpans(buf, one, 1);
  assert.is(ring.cursor(), first + 3);
  assert.equal(batches[2], [0, first + 2, 2]);
  pump();
  assert.equal(out, [
    [1, 2, 3],
    [1, 2, 3],
    [7, 7, 7, 7],
    [7, 7, 7],
  ]);
});

test.run();
