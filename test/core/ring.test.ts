// Sequencer, barrier and slots of the ring, on one thread (cross-thread runs are in
// blocking-pipeline.test.ts and test/exec/).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { makeRing } from './pipeline-fixture.ts';
import { EGRESS_CELL } from '../../kernel/core/ring.ts';

test('a full ring refuses further claims (the producer waits) and never overwrites an unreleased slot', () => {
  const { ring } = makeRing({ capacity: 8, slotBytes: 8, deps: [[]], egress: false, wait: 'block' });
  const enc = new TextEncoder();
  assert.is(ring.tryClaim(5), 5);
  assert.is(ring.tryClaim(5), 3, 'only what is free');
  assert.is(ring.tryClaim(1), 0, 'full');
  for (let s = 0; s < 8; s++) ring.write(s, enc.encode(`r${s}`));
  ring.publish();
  assert.is(ring.tryClaim(1), 0, 'published is not released');
  ring.release(0, 2); // stage 0 finished 0..2
  assert.is(ring.tryClaim(8), 3, 'exactly the released slots come back');
  assert.is(
    new TextDecoder().decode(ring.u8.subarray(ring.payloadOffset(3), ring.payloadOffset(3) + ring.length(3))),
    'r3',
    'slot 3 untouched',
  );
});

test('a stage never passes the stages it depends on; the producer gates on the terminal stages', () => {
  // diamond: 0 ← cursor, 1 ← 0, 2 ← 0, 3 ← 1,2
  const { ring } = makeRing({ capacity: 8, slotBytes: 8, deps: [[], [0], [0], [1, 2]], egress: false, wait: 'block' });
  assert.is(ring.gatingMask(), 0b1000);
  assert.is(ring.tryClaim(4), 4);
  ring.publish();
  assert.is(ring.available(0, 0), 3);
  assert.is(ring.available(1, 0), -1, 'stage 1 waits for stage 0');
  ring.release(0, 3);
  assert.is(ring.available(1, 0), 3);
  ring.release(1, 3);
  assert.is(ring.available(3, 0), -1, 'stage 3 waits for stage 2 too');
  ring.release(2, 1);
  assert.is(ring.available(3, 0), 1, 'up to the slower dependency');
  assert.is(ring.minGating(), -1);
  ring.release(3, 1);
  assert.is(ring.minGating(), 1);
});

test('with an egress reader the producer gates on it and it waits for every terminal stage', () => {
  // two terminal stages: 1 and 2 both depend on 0
  const { ring } = makeRing({ capacity: 4, slotBytes: 8, deps: [[], [0], [0]], egress: true, wait: 'block' });
  assert.is(ring.gatingMask(), 1 << EGRESS_CELL);
  assert.is(ring.deps(EGRESS_CELL), 0b110);
  assert.is(ring.tryClaim(4), 4);
  ring.publish();
  ring.release(0, 3);
  ring.release(1, 3);
  ring.release(2, 2);
  assert.is(ring.tryClaim(1), 0, 'stages done is not enough: egress has not read');
  assert.is(ring.available(EGRESS_CELL, 0), 2);
  ring.release(EGRESS_CELL, 2);
  assert.is(ring.tryClaim(4), 3);
});

test('dropped flag lives in the length word and is not part of the length', () => {
  const { ring, core, base } = makeRing({ capacity: 4, slotBytes: 16, deps: [[]], egress: false, wait: 'block' });
  ring.tryClaim(1);
  ring.write(0, new Uint8Array([1, 2, 3]));
  ring.u32[ring.slotOffset(0) >>> 2]! |= 0x80000000;
  assert.is(ring.length(0), 3);
  assert.ok(ring.dropped(0));
  assert.is(core.ringLength(base, 0), 3);
  assert.is(core.ringDropped(base, 0), 1);
});

test('end: consumers drain what was published, then see the end (a value below their target)', () => {
  const { ring } = makeRing({ capacity: 8, slotBytes: 8, deps: [[]], egress: false, wait: 'block' });
  ring.tryClaim(3);
  assert.is(ring.end(), 2, 'claimed slots are published by end');
  assert.is(ring.halt(), 1);
  assert.is(ring.waitFor(0, 0), 2);
  ring.release(0, 2);
  assert.is(ring.waitFor(0, 3), 2, 'nothing more will come: returns at once');
});

test('abort: the first abort is recorded with who and where, waits return at once', () => {
  const { ring } = makeRing({ capacity: 8, slotBytes: 8, deps: [[], [0]], egress: false, wait: 'block' });
  ring.tryClaim(2);
  ring.publish();
  assert.ok(ring.abort(1, 7));
  assert.not.ok(ring.abort(0, 9), 'a later abort does not overwrite the first');
  assert.equal(ring.failure(), { who: 1, seq: 7 });
  assert.is(ring.halt(), 2);
  assert.ok(ring.waitFor(1, 0) < 0, 'stage 1 stops waiting for stage 0');
  assert.is(ring.claim(8), -1, 'a blocked producer gives up');
});

test('wrap-around past 2^32: seeded random batches starting near 2^32 keep order, content and slot positions', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 40, maxLength: 120 }),
      (before, batches) => {
        const start = 2 ** 32 - before; // every run crosses 2^32 (at least 40 records are sent)
        const r2 = makeRing({
          capacity: 16,
          slotBytes: 8,
          deps: [[], [0]],
          egress: true,
          wait: 'block',
          startSeq: start,
        });
        const f64 = new Float64Array(r2.memory.buffer);
        let expect = start;
        let next0 = start;
        for (const b of batches) {
          const first = r2.ring.next();
          const k = r2.ring.tryClaim(b);
          assert.is(k, b, 'the ring drains each round, so a batch always fits');
          for (let s = first; s < first + k; s++) {
            assert.is(r2.ring.slotOffset(s), r2.core.ringSlot(r2.base, s), 'JS handle and core agree on the slot');
            f64[r2.ring.payloadOffset(s) / 8] = s;
            r2.ring.u32[r2.ring.slotOffset(s) >>> 2] = 8;
          }
          assert.is(r2.ring.publish(), first + k - 1);
          for (const c of [0, 1, EGRESS_CELL]) {
            const hi = r2.ring.available(c, next0);
            assert.is(hi, first + k - 1);
            r2.ring.release(c, hi);
          }
          for (let s = next0; s <= first + k - 1; s++) {
            assert.is(f64[r2.ring.payloadOffset(s) / 8], expect);
            expect++;
          }
          next0 = first + k;
        }
        assert.ok(expect > 2 ** 32, 'crossed 2^32');
      },
    ),
    { seed: 42, numRuns: 25 },
  );
});

test.run();
