// Region headers: validated before use; a region stuck at initialized=1 is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  compileCore,
  instantiateCore,
  createSharedMemory,
  KIND_SINGLE_RING,
  KIND_COUNTERS,
} from '../../kernel/core/wasm.ts';
import { LayoutAllocator, LAYOUT_START } from '../../kernel/core/layout.ts';
import { RingHandle } from '../../kernel/core/ring.ts';
import { CountersHandle } from '../../kernel/core/counters.ts';
import { validateRegion } from '../../kernel/core/region.ts';
import { ByteorError } from '../../kernel/errors.ts';

function fresh() {
  const layout = new LayoutAllocator();
  const base = layout.carve('ring', LayoutAllocator.ringBytes(16, 32));
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(compileCore(), memory);
  return { base, memory, core, u32: new Uint32Array(memory.buffer) };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ByteorError);
    return (e as ByteorError).code;
  }
  throw new Error('expected a ByteorError');
}

test('a freshly created ring validates; its header says what it is', () => {
  const { base, memory, core, u32 } = fresh();
  RingHandle.create(core, memory, base, { capacity: 16, slotBytes: 32, deps: [[]], egress: false, wait: 'block' });
  assert.is(core.regionCheck(base, KIND_SINGLE_RING), 0);
  assert.is(u32[(base + 12) / 4], 2, 'initialized = 2');
  assert.is(u32[(base + 16) / 4], 16, 'capacity');
  assert.is(u32[(base + 20) / 4], 32, 'slot_bytes');
  assert.is(new TextDecoder().decode(new Uint8Array(memory.buffer, base, 4)), 'BYOR');
  const h = new RingHandle(core, memory, base);
  assert.is(h.capacity, 16);
  assert.is(h.slotBytes, 32);
});

test('a header stuck at initialized=1 is refused after a bounded wait, never used', () => {
  const { base, memory, core, u32 } = fresh();
  RingHandle.create(core, memory, base, { capacity: 16, slotBytes: 32, deps: [[]], egress: false, wait: 'block' });
  u32[(base + 12) / 4] = 1; // the creator died between "initialising" and "initialised"
  const t0 = performance.now();
  assert.is(
    code(() => new RingHandle(core, memory, base, 'ring', 50)),
    'BYTEOR_E_REGION_NOT_INITIALIZED',
  );
  assert.ok(performance.now() - t0 >= 45, 'waited the bounded time first');
  assert.is(core.ringInit(base, 16, 32, 1, 0, 0, 2, 0, 0), 0, 'and it cannot be re-initialised in place either');
});

test('uninitialised, foreign, wrong-kind and wrong-version regions are refused with their own codes', () => {
  const { base, memory, core, u32 } = fresh();
  assert.is(
    code(() => new RingHandle(core, memory, base)),
    'BYTEOR_E_REGION_UNINITIALIZED',
  );
  RingHandle.create(core, memory, base, { capacity: 16, slotBytes: 32, deps: [[]], egress: false, wait: 'block' });
  assert.is(
    code(() => validateRegion(core, base, KIND_COUNTERS, 'counters')),
    'BYTEOR_E_REGION_BAD_KIND',
  );
  u32[(base + 4) / 4] = 99;
  assert.is(
    code(() => new RingHandle(core, memory, base)),
    'BYTEOR_E_REGION_BAD_VERSION',
  );
  u32[base / 4] = 0xdeadbeef;
  assert.is(
    code(() => new RingHandle(core, memory, base)),
    'BYTEOR_E_REGION_BAD_MAGIC',
  );
});

test('a region is initialised once: a second create on the same bytes is refused', () => {
  const { base, memory, core } = fresh();
  RingHandle.create(core, memory, base, { capacity: 16, slotBytes: 32, deps: [[]], egress: false, wait: 'block' });
  assert.is(
    code(() =>
      RingHandle.create(core, memory, base, { capacity: 16, slotBytes: 32, deps: [[]], egress: false, wait: 'block' }),
    ),
    'BYTEOR_E_LAYOUT_INVALID',
  );
});

test('invalid geometry is refused: capacity not a power of two, zero slot bytes, too many stages, forward deps', () => {
  const core = instantiateCore(compileCore(), createSharedMemory(0));
  assert.is(core.ringBytes(12, 32), 0);
  assert.is(core.ringBytes(1, 32), 0);
  assert.is(core.ringBytes(16, 0), 0);
  assert.is(core.ringBytes(1 << 25, 8), 0);
  assert.ok(core.ringBytes(1 << 24, 8) > 0);
  const { base, memory, core: c2 } = fresh();
  assert.is(
    code(() =>
      RingHandle.create(c2, memory, base, {
        capacity: 16,
        slotBytes: 32,
        deps: [[], [], [], [], []],
        egress: false,
        wait: 'block',
      }),
    ),
    'BYTEOR_E_LAYOUT_INVALID',
  );
  assert.is(
    code(() =>
      RingHandle.create(c2, memory, base, {
        capacity: 16,
        slotBytes: 32,
        deps: [[1], []],
        egress: false,
        wait: 'block',
      }),
    ),
    'BYTEOR_E_LAYOUT_INVALID',
  );
});

test('the layout allocator keeps regions above the core data, aligned and disjoint; counters start at zero', () => {
  const layout = new LayoutAllocator();
  const a = layout.carve('a', LayoutAllocator.ringBytes(8, 8));
  const b = layout.carve('b', LayoutAllocator.countersBytes(3, 16));
  assert.is(a, LAYOUT_START);
  assert.ok(b >= a + LayoutAllocator.ringBytes(8, 8));
  assert.is(b % 4096, 0);
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(compileCore(), memory);
  const counters = CountersHandle.create(core, memory, b, 3, 16);
  const c = counters.counter(2, 15);
  assert.is(c.value, 0);
  c.add(5);
  c.add(2);
  assert.is(counters.value(2, 15), 7);
  assert.is(counters.value(1, 15), 0);
  assert.is(
    code(() => counters.counter(2, 16)),
    'BYTEOR_E_COUNTER_LIMIT',
  );
});

test.run();
