// The core's record copy (assembly/copy.ts copyRecord: eight-byte moves with the last eight where
// the record ends, four-byte and byte moves below eight, memory.copy above COPY_INLINE_MAX = 256),
// through the one-record write (ringTryWriteOne): for any length 0..600 and any unaligned source,
// the slot holds exactly the record and the bytes after it in the slot are untouched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compileCore, createSharedMemory, instantiateCore } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { RingHandle } from '../../kernel/core/ring.ts';
import { IngressStaging } from '../../kernel/exec/ingress-staging.ts';

const SLOT = 640;
const CAPACITY = 4;

test('property: a slot holds exactly the record copied into it, whatever its length and alignment', () => {
  const layout = new LayoutAllocator();
  const base = layout.carve('ring', LayoutAllocator.ringBytes(CAPACITY, SLOT));
  const sbase = layout.carve('staging', IngressStaging.bytes);
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(compileCore(), memory);
  const ring = RingHandle.create(core, memory, base, {
    capacity: CAPACITY,
    slotBytes: SLOT,
    deps: [[]],
    egress: false,
    wait: 'block',
  });
  const src = new IngressStaging(memory, sbase).bytesOffset;
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

test.run();
