// The lane regions of the WASM core (assembly/lanes/) through their typed handle, on one thread:
// claim/publish/read/release, on_full bookkeeping, fanout gating, journal two-phase publish and
// overrun detection, sequenced_slots as the SingleRing substrate, region validation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCore, instantiateCore, createSharedMemory, KIND_SINGLE_RING } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { LaneHandle, type LaneInit } from '../../kernel/core/lane.ts';
import { RingHandle } from '../../kernel/core/ring.ts';
import { ByteorError } from '../../kernel/errors.ts';
import { FANOUT_V1_MAX_CONSUMERS } from '../../kernel/spec/limits.ts';

function lanes(inits: LaneInit[]) {
  const layout = new LayoutAllocator();
  const bases = inits.map((i, n) =>
    layout.carve(`lane${n}`, LaneHandle.bytes(i.kind, i.readers, i.capacity, i.slotBytes)),
  );
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(compileCore(), memory);
  return {
    core,
    memory,
    bases,
    handles: inits.map((i, n) => LaneHandle.create(core, memory, bases[n]!, i, `lane${n}`)),
  };
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (l: LaneHandle, seq: number) =>
  dec.decode(l.u8.subarray(l.payloadOffset(seq), l.payloadOffset(seq) + l.length(seq)));

/** Write records as a writer would: claim, fill, publish. Returns how many were placed. */
function put(l: LaneHandle, recs: string[]): number {
  const first = l.next();
  const k = l.tryClaim(recs.length);
  for (let i = 0; i < k; i++) l.write(first + i, enc.encode(recs[i]!));
  l.publish();
  return k;
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

test('events: records come out in order; a full lane refuses the newest; drops are counted in the region', () => {
  const {
    handles: [ev],
  } = lanes([{ kind: 'events', readers: 1, capacity: 4, slotBytes: 16, wait: 'block' }]);
  const l = ev!;
  assert.is(put(l, ['a', 'b', 'c']), 3);
  assert.is(l.free(), 1);
  assert.is(put(l, ['d', 'e', 'f']), 1, 'only one slot left');
  l.countDrops(2);
  assert.is(l.drops(), 2);
  assert.is(l.available(0, 0), 3);
  assert.equal(
    [0, 1, 2, 3].map((s) => text(l, s)),
    ['a', 'b', 'c', 'd'],
  );
  assert.is(l.tryClaim(1), 0, 'still full until the reader releases');
  l.release(0, 1);
  assert.is(l.free(), 2);
  assert.is(put(l, ['g', 'h']), 2);
  assert.is(text(l, 4), 'g', 'sequence 4 reuses slot 0');
  assert.is(l.cursor(), 5);
  assert.is(l.readerSeq(0), 1);
});

test('end: a reader drains what was published, then sees the end; abort stops everyone', () => {
  const {
    handles: [l],
  } = lanes([{ kind: 'events', readers: 1, capacity: 8, slotBytes: 8, wait: 'backoff' }]);
  put(l!, ['x', 'y']);
  assert.is(l!.end(), 1);
  assert.is(l!.waitFor(0, 0), 1, 'published records stay readable after the end');
  assert.not.ok(l!.stopped(1));
  assert.ok(l!.stopped(2), 'nothing after the end');
  assert.ok(l!.waitFor(0, 2) < 2, 'a wait past the end returns at once');
  assert.ok(l!.abort(7, 2));
  assert.not.ok(l!.abort(8, 3), 'the first abort is the one recorded');
  assert.equal(l!.failure(), { who: 7, seq: 2 });
  assert.is(l!.claim(8), 0, 'a blocked writer returns 0 once aborted');
});

test('fanout_broadcast: every reader sees every record; the slowest reader gates the writer', () => {
  const {
    handles: [l],
  } = lanes([{ kind: 'fanout_broadcast', readers: 3, capacity: 4, slotBytes: 8, wait: 'block' }]);
  assert.is(put(l!, ['1', '2', '3', '4']), 4);
  for (let r = 0; r < 3; r++) assert.is(l!.available(r, 0), 3);
  l!.release(0, 3);
  l!.release(1, 3);
  assert.is(l!.free(), 0, 'reader 2 has not read anything: the lane is still full');
  l!.release(2, 1);
  assert.is(l!.free(), 2);
  assert.is(l!.minGating(), 1);
  assert.is(l!.readers, 3);
});

test('fanout_broadcast readers are limited to FANOUT_V1_MAX_CONSUMERS (8), the limit validation enforces', () => {
  assert.is(LaneHandle.maxReaders(), FANOUT_V1_MAX_CONSUMERS);
  assert.is(FANOUT_V1_MAX_CONSUMERS, 8);
  assert.is(LaneHandle.bytes('fanout_broadcast', 9, 16, 8), 0);
  assert.ok(LaneHandle.bytes('fanout_broadcast', 8, 16, 8) > 0);
  assert.is(
    code(() => lanes([{ kind: 'fanout_broadcast', readers: 9, capacity: 4, slotBytes: 8, wait: 'block' }])),
    'BYTEOR_E_LAYOUT_INVALID',
  );
});

test('copy: records move between lanes of different kinds with their dropped bit', () => {
  const {
    handles: [a, b],
  } = lanes([
    { kind: 'events', readers: 1, capacity: 8, slotBytes: 32, wait: 'block' },
    { kind: 'sequenced_slots', readers: 1, capacity: 8, slotBytes: 32, wait: 'block' },
  ]);
  put(a!, ['one', 'two', 'three']);
  a!.u32[a!.slotOffset(1) >>> 2] |= 0x80000000;
  const d = b!.next();
  assert.is(b!.tryClaim(3), 3);
  assert.is(a!.copyTo(0, 0, 3, b!, d), 3);
  b!.publish();
  assert.equal(
    [0, 1, 2].map((s) => text(b!, s)),
    ['one', 'two', 'three'],
  );
  assert.equal(
    [0, 1, 2].map((s) => b!.dropped(s)),
    [false, true, false],
  );
});

test('sequenced_slots is a SingleRing region with one gating reader', () => {
  const {
    core,
    memory,
    bases,
    handles: [l],
  } = lanes([{ kind: 'sequenced_slots', readers: 1, capacity: 4, slotBytes: 8, wait: 'block', startSeq: 2 ** 32 - 2 }]);
  assert.is(core.regionCheck(bases[0]!, KIND_SINGLE_RING), 0);
  const ring = new RingHandle(core, memory, bases[0]!);
  assert.is(ring.stageCount, 1);
  assert.is(put(l!, ['p', 'q', 'r', 's', 't']), 4, 'never wraps past the reader');
  assert.is(ring.cursor(), 2 ** 32 + 1, "the ring sees the lane's publishes (sequences past 2^32)");
  l!.release(0, 2 ** 32 - 1);
  assert.is(ring.minGating(), 2 ** 32 - 1);
  assert.is(l!.free(), 2);
  assert.is(l!.start(), 2 ** 32 - 2);
});

test('journal, on_full=block: two-phase publish; nothing is ever overwritten', () => {
  const {
    handles: [j],
  } = lanes([{ kind: 'journal', readers: 2, capacity: 4, slotBytes: 16, wait: 'block' }]);
  const l = j!;
  const first = l.next();
  assert.is(l.tryClaim(2), 2);
  l.write(first, enc.encode('r0'));
  l.write(first + 1, enc.encode('r1'));
  assert.not.ok(l.committed(0), 'claimed, written, not yet committed');
  l.publish();
  assert.ok(l.committed(0) && l.committed(1), 'committed at publish');
  put(l, ['r2', 'r3']);
  assert.is(l.tryClaim(1), 0, 'full: readers gate a blocking journal');
  l.release(0, 3);
  assert.is(l.tryClaim(1), 0, 'the slowest reader still gates');
  assert.is(l.skipOverrun(1, 0), 0, 'nothing overrun');
  l.release(1, 0);
  assert.is(l.tryClaim(1), 1);
});

test(
  'journal, on_full=drop: the writer overwrites the oldest; ' + 'a reader that fell behind counts every record it lost',
  () => {
    const {
      handles: [j, out],
    } = lanes([
      { kind: 'journal', readers: 1, capacity: 4, slotBytes: 16, wait: 'block', overwrite: true },
      { kind: 'events', readers: 1, capacity: 16, slotBytes: 16, wait: 'block' },
    ]);
    const l = j!;
    for (let i = 0; i < 10; i++) assert.is(put(l, [`r${i}`]), 1, 'the writer never waits');
    assert.is(l.cursor(), 9);
    const next = l.skipOverrun(0, 0);
    assert.is(next, 6, 'records 0..5 were overwritten');
    assert.is(l.overrun(0), 6);
    const d = out!.next();
    out!.tryClaim(4);
    // the writer overwrites record 6 (claims its slot) while the reader is about to copy 6..9
    const w = l.next();
    l.tryClaim(1);
    const placed = l.copyTo(0, next, 4, out!, d);
    assert.is(placed, 3, 'record 6 changed under the reader: skipped');
    assert.is(l.overrun(0), 7);
    out!.unclaim(4 - placed);
    out!.publish();
    assert.equal(
      [0, 1, 2].map((s) => text(out!, s)),
      ['r7', 'r8', 'r9'],
    );
    l.write(w, enc.encode('r10'));
    l.publish();
    l.release(0, 9);
    assert.is(l.cursor() - l.start() + 1, 11, 'in: 11 records');
    assert.is(placed + l.overrun(0) + 1, 11, 'in = out + overrun (+ the one still unread)');
  },
);

test('lane regions are validated: the wrong kind, a stuck initialisation and a second create are refused', () => {
  const { core, memory, bases } = lanes([{ kind: 'events', readers: 1, capacity: 4, slotBytes: 8, wait: 'block' }]);
  assert.is(
    code(() => new LaneHandle(core, memory, bases[0]!, 'fanout_broadcast')),
    'BYTEOR_E_REGION_BAD_KIND',
  );
  assert.is(
    code(() =>
      LaneHandle.create(core, memory, bases[0]!, {
        kind: 'events',
        readers: 1,
        capacity: 4,
        slotBytes: 8,
        wait: 'block',
      }),
    ),
    'BYTEOR_E_LAYOUT_INVALID',
  );
  new Uint32Array(memory.buffer)[(bases[0]! + 12) / 4] = 1;
  assert.is(
    code(() => new LaneHandle(core, memory, bases[0]!, 'events')),
    'BYTEOR_E_REGION_NOT_INITIALIZED',
  );
  assert.is(
    code(() => lanes([{ kind: 'events', readers: 1, capacity: 6, slotBytes: 8, wait: 'block' }])),
    'BYTEOR_E_LAYOUT_INVALID',
  );
});

test.run();
