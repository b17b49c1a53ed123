// The producer's batch write in the core (ringTryWriteSpans) and the staging area that feeds it
// (kernel/exec/ingress-staging.ts), against a model: which records are placed, in which slots,
// with which bytes, where it stops (an oversized record, a full ring), for any span layout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { compileCore, createSharedMemory, instantiateCore } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { RingHandle } from '../../kernel/core/ring.ts';
import { IngressStaging, STAGING_BYTES, STAGING_SPANS } from '../../kernel/exec/ingress-staging.ts';

const SEED = 0x5eed16;

/** A ring and a staging area in one memory, the ring with `used` slots claimed and not released. */
function setup(capacity: number, slotBytes: number, used: number) {
  const layout = new LayoutAllocator();
  const base = layout.carve('ring', LayoutAllocator.ringBytes(capacity, slotBytes));
  const sbase = layout.carve('staging', IngressStaging.bytes);
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(compileCore(), memory);
  const ring = RingHandle.create(core, memory, base, { capacity, slotBytes, deps: [[]], egress: false, wait: 'block' });
  if (used > 0) {
    assert.is(ring.tryClaim(used), used);
    ring.publish();
  }
  return { ring, staging: new IngressStaging(memory, sbase) };
}

const recordArb = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 0, maxLength: 40 });

test(
  'property: the placed records are the longest fitting prefix that the free slots hold, byte for byte, in ' +
    'sequence order',
  () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2, 4, 8, 16),
        fc.integer({ min: 1, max: 32 }),
        fc.integer({ min: 0, max: 16 }),
        fc.array(recordArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        fc.boolean(),
        (capacity, slotBytes, usedWant, records, gap, reversed, inPlace) => {
          const used = Math.min(usedWant, capacity);
          const { ring, staging } = setup(capacity, slotBytes, used);
          // lay the records out in a chunk with gaps, possibly back to front, at an odd offset
          const total = records.reduce((n, r) => n + r.length + gap, 3);
          const chunk = inPlace
            ? staging.u8.subarray(staging.bytesOffset + STAGING_BYTES - total, staging.bytesOffset + STAGING_BYTES)
            : new Uint8Array(total);
          const spans = new Uint32Array(2 * records.length);
          let o = 3;
          const order = records.map((_, i) => i);
          if (reversed) order.reverse();
          for (const i of order) {
            chunk.set(records[i]!, o);
            spans[2 * i] = o;
            spans[2 * i + 1] = o + records[i]!.length;
            o += records[i]!.length + gap;
          }
          let lo = Infinity;
          let hi = 0;
          for (let i = 0; i < records.length; i++) {
            lo = Math.min(lo, spans[2 * i]!);
            hi = Math.max(hi, spans[2 * i + 1]!);
          }
          const src = staging.stageBytes(chunk, lo, hi);
          const at = staging.stageSpans(spans, 0, records.length);
          const first = ring.next();
          const got = ring.tryWriteSpans(src, at, records.length);
          let fit = 0;
          while (fit < records.length && records[fit]!.length <= slotBytes) fit++;
          assert.is(got, Math.min(fit, capacity - used));
          assert.is(ring.next(), first + got, 'exactly the placed slots are claimed');
          for (let i = 0; i < got; i++) {
            assert.is(ring.length(first + i), records[i]!.length);
            assert.equal(
              [...ring.u8.subarray(ring.payloadOffset(first + i), ring.payloadOffset(first + i) + records[i]!.length)],
              records[i],
            );
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  },
);

test('a batch resumed past an oversized record and after the ring drained goes on where it stopped', () => {
  const { ring, staging } = setup(4, 8, 0);
  const enc = new TextEncoder();
  const texts = ['a', 'bb', 'this is too long', 'ccc', 'd', 'e', 'f'];
  const chunk = enc.encode(texts.join(''));
  const spans = new Uint32Array(2 * texts.length);
  let o = 0;
  texts.forEach((t, i) => {
    spans[2 * i] = o;
    o += t.length;
    spans[2 * i + 1] = o;
  });
  const src = staging.stageBytes(chunk, 0, chunk.length);
  const at = staging.stageSpans(spans, 0, texts.length);
  assert.is(ring.tryWriteSpans(src, at, texts.length), 2, 'stops before the oversized record');
  assert.is(ring.tryWriteSpans(src, at + 3 * 8, texts.length - 3), 2, 'past it: two more fill the ring');
  assert.is(ring.tryWriteSpans(src, at + 5 * 8, 2), 0, 'full');
  const dec = new TextDecoder();
  const text = (seq: number) =>
    dec.decode(ring.u8.slice(ring.payloadOffset(seq), ring.payloadOffset(seq) + ring.length(seq)));
  assert.equal([0, 1, 2, 3].map(text), ['a', 'bb', 'ccc', 'd']);
  ring.publish();
  ring.release(0, 1);
  assert.is(ring.tryWriteSpans(src, at + 5 * 8, 2), 2, 'two slots came back');
  assert.equal([2, 3, 4, 5].map(text), ['ccc', 'd', 'e', 'f'], 'the unreleased slots are untouched');
});

test(
  'the blocking batch write waits for room, stops ' + 'before an oversized record and publishes what it wrote',
  async () => {
    const { ring, staging } = setup(4, 8, 0);
    const enc = new TextEncoder();
    const texts = ['a', 'bb', 'ccc', 'dddd', 'e', 'too long here', 'f', 'g'];
    const chunk = enc.encode(texts.join(''));
    const spans = new Uint32Array(2 * texts.length);
    let o = 0;
    texts.forEach((t, i) => {
      spans[2 * i] = o;
      o += t.length;
      spans[2 * i + 1] = o;
    });
    const src = staging.stageBytes(chunk, 0, chunk.length);
    const at = staging.stageSpans(spans, 0, texts.length);
    assert.is(ring.writeSpans(src, at, 4), 4, 'room for four: written at once');
    assert.is(ring.cursor(), 3, 'and published');
    // a consumer on another thread releases the first two slots after a while: the write waits for them
    const worker = new Worker(
      `const { workerData: { sab, index } } = require('node:worker_threads');
     const i64 = new BigInt64Array(sab);
     setTimeout(() => { Atomics.store(i64, index, 1n); Atomics.add(new Int32Array(sab), index * 2 + 3, 1);
       Atomics.notify(new Int32Array(sab), index * 2 + 3); }, 50);`,
      { eval: true, workerData: { sab: ring.u8.buffer, index: ring.core.ringCellAddr(ring.base, 0) / 8 } },
    );
    const t0 = performance.now();
    assert.is(ring.writeSpans(src, at + 4 * 8, 3), 1, 'stops before the oversized record');
    assert.ok(performance.now() - t0 >= 30, 'it waited for the consumer');
    assert.is(ring.cursor(), 4);
    const dec = new TextDecoder();
    const text = (seq: number) =>
      dec.decode(ring.u8.slice(ring.payloadOffset(seq), ring.payloadOffset(seq) + ring.length(seq)));
    assert.equal([2, 3, 4].map(text), ['ccc', 'dddd', 'e']);
    await worker.terminate();
    assert.is(ring.writeSpans(src, at + 6 * 8, 1), 1, 'past the oversized record: the last free slot');
    ring.abort(9, 6);
    assert.is(ring.writeSpans(src, at + 7 * 8, 1), -1, 'full and aborted: the wait ends');
  },
);

test(
  'staging: a range too large for the area, or too many spans, is refused (-1) and the caller takes the ' +
    'per-record path',
  () => {
    const { staging } = setup(4, 8, 0);
    assert.is(staging.stageBytes(new Uint8Array(STAGING_BYTES + 1), 0, STAGING_BYTES + 1), -1);
    assert.is(staging.stageSpans(new Uint32Array(2 * (STAGING_SPANS + 1)), 0, STAGING_SPANS + 1), -1);
    // a small range of a large chunk is staged on its own; offsets stay relative to the chunk
    const big = new Uint8Array(STAGING_BYTES * 2);
    big[STAGING_BYTES + 5] = 42;
    const src = staging.stageBytes(big, STAGING_BYTES + 5, STAGING_BYTES + 6);
    assert.is(staging.u8[(src + STAGING_BYTES + 5) >>> 0], 42);
  },
);

test.run();
