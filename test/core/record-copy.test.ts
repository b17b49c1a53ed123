// The core's record copy (assembly/copy.ts copyRecord: up to 64 bytes a jump on the whole words
// and the last eight where the record ends, four-byte and byte moves below eight, 64-byte blocks
// above 64, memory.copy above COPY_INLINE_MAX = 256), through the one-record write
// (ringTryWriteOne) and the batch write (ringWriteSpans): for any length 0..600 and any unaligned
// source, the slot holds exactly the record and the bytes after it in the slot are untouched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compileCore, createSharedMemory, instantiateCore } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { RingHandle } from '../../kernel/core/ring.ts';
import { IngressStaging } from '../../kernel/exec/ingress-staging.ts';

const SLOT = 640;
const CAPACITY = 4;

/** A ring of `capacity` slots of SLOT bytes and an ingress staging area in one fresh memory. */
function ringWithStaging(capacity: number): { ring: RingHandle; staging: IngressStaging; memory: WebAssembly.Memory } {
  const layout = new LayoutAllocator();
  const base = layout.carve('ring', LayoutAllocator.ringBytes(capacity, SLOT));
  const sbase = layout.carve('staging', IngressStaging.bytes);
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(compileCore(), memory);
  const ring = RingHandle.create(core, memory, base, {
    capacity,
    slotBytes: SLOT,
    deps: [[]],
    egress: false,
    wait: 'block',
  });
  return { ring, staging: new IngressStaging(memory, sbase), memory };
}

test('property: a slot holds exactly the record copied into it, whatever its length and alignment', () => {
  const { ring, staging } = ringWithStaging(CAPACITY);
  const src = staging.bytesOffset;
  const u8 = ring.u8;
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.nat(15), (record, shift) => {
      const seq = ring.next();
      const payload = ring.payloadOffset(seq);
      u8.fill(0xa5, payload, payload + SLOT);
      u8.set(record, src + shift);
      assert.is(ring.tryWriteOne(src + shift, record.length), 1);
      assert.is(ring.length(seq), record.length);
      assert.equal([...u8.subarray(payload, payload + record.length)], [...record]);
      assert.ok(
        u8.subarray(payload + record.length, payload + SLOT).every((b) => b === 0xa5),
        'nothing written past the record',
      );
      ring.publish();
      ring.release(0, seq);
    }),
    { seed: 0xc0b7, numRuns: 1000 },
  );
});

test('the batch write: every length 0..300 at every source alignment, slots wrapping the ring', () => {
  const { ring, staging, memory } = ringWithStaging(8);
  const src = staging.bytesOffset;
  const spans = staging.spansOffset;
  const u8 = ring.u8;
  const u32 = new Uint32Array(memory.buffer);
  // five records a batch (so that batches wrap the 8-slot ring), lengths len..len+4, sources packed
  // one after another from an offset `shift` into the staging area
  for (let len = 0; len <= 300; len++) {
    for (let shift = 0; shift < 8; shift++) {
      const first = ring.next();
      let at = shift;
      const recs: Uint8Array[] = [];
      for (let k = 0; k < 5; k++) {
        const rec = Uint8Array.from({ length: len + k }, (_, i) => (len * 7 + k * 31 + i * 13 + 1) & 0xff);
        u8.set(rec, src + at);
        u32[(spans >>> 2) + 2 * k] = at;
        u32[(spans >>> 2) + 2 * k + 1] = at + rec.length;
        at += rec.length;
        recs.push(rec);
        const p = ring.payloadOffset(first + k);
        u8.fill(0xa5, p, p + SLOT);
      }
      assert.is(ring.writeSpans(src, spans, 5), 5);
      for (let k = 0; k < 5; k++) {
        const p = ring.payloadOffset(first + k);
        const n = recs[k]!.length;
        assert.is(ring.length(first + k), n, `length ${n} shift ${shift}`);
        assert.equal([...u8.subarray(p, p + n)], [...recs[k]!], `bytes of length ${n} shift ${shift}`);
        assert.ok(
          u8.subarray(p + n, p + SLOT).every((b) => b === 0xa5),
          `nothing past length ${n} shift ${shift}`,
        );
      }
      ring.release(0, first + 4);
    }
  }
});

test.run();
