// The steps every role loop shares (kernel/lanegraph/role-runtime.ts), driven from one thread
// against a journal in overwrite mode (on_full=drop) with the writer's moves interleaved by
// hand between the reader's wait and its copy: the interleaving that made a role count a
// record twice, as read and as its reader's overrun.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compileCore, instantiateCore, createSharedMemory } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { LaneHandle, type LaneInit } from '../../kernel/core/lane.ts';
import { InputRun, moveToOutput, RunCopy, type RoleInput } from '../../kernel/lanegraph/role-runtime.ts';

function lanes(inits: LaneInit[]): LaneHandle[] {
  const layout = new LayoutAllocator();
  const bases = inits.map((i, n) =>
    layout.carve(`lane${n}`, LaneHandle.bytes(i.kind, i.readers, i.capacity, i.slotBytes)),
  );
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(compileCore(), memory);
  return inits.map((i, n) => LaneHandle.create(core, memory, bases[n]!, i, `lane${n}`));
}

/** A journal (on_full=drop: overwrite) of `capacity` and an events lane big enough for everything. */
function journalAndOut(capacity: number, outCapacity = 1024): [LaneHandle, LaneHandle] {
  const [j, out] = lanes([
    { kind: 'journal', readers: 1, capacity, slotBytes: 16, wait: 'block', overwrite: true },
    { kind: 'events', readers: 1, capacity: outCapacity, slotBytes: 16, wait: 'block' },
  ]);
  return [j!, out!];
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (l: LaneHandle, seq: number) =>
  dec.decode(l.u8.subarray(l.payloadOffset(seq), l.payloadOffset(seq) + l.length(seq)));

/** The journal's writer: records r<seq>, claimed at most a capacity at a time and published. */
function put(j: LaneHandle, count: number): void {
  for (let left = count; left > 0; ) {
    const first = j.next();
    const k = Math.min(left, j.capacity);
    assert.is(j.tryClaim(k), k, 'an overwriting journal writer never waits');
    for (let i = 0; i < k; i++) j.write(first + i, enc.encode(`r${first + i}`));
    j.publish();
    left -= k;
  }
}

function outRecords(out: LaneHandle): string[] {
  const recs: string[] = [];
  for (let s = out.start(); s <= out.cursor(); s++) recs.push(text(out, s));
  return recs;
}

test('records the writer overwrites between the wait and the copy are overrun, not read', () => {
  const [j, out] = journalAndOut(4);
  const input: RoleInput = { lane: j, reader: 0 };
  const run = new InputRun(input, 4);
  const copied = new RunCopy();
  put(j, 4);
  assert.ok(run.wait());
  assert.is(run.first, 0);
  assert.is(run.count, 4, 'the reader took r0..r3');
  put(j, 2); // r4, r5 overwrite the slots of r0, r1 before the reader copies them
  assert.ok(moveToOutput(input, run.first, run.count, out, true, copied));
  assert.is(copied.placed, 2, 'r2, r3 survived the copy');
  assert.is(copied.read, 2, 'read = the run minus what the writer overwrote (a loop used to count the whole run: 4)');
  assert.is(j.overrun(0), 2, 'r0, r1 are the reader overrun');
  out.publish();
  run.release();
  assert.ok(run.wait());
  assert.is(run.first, 4);
  assert.is(run.count, 2);
  assert.ok(moveToOutput(input, run.first, run.count, out, true, copied));
  assert.is(copied.read, 2);
  out.publish();
  run.release();
  assert.is(2 + 2 + j.overrun(0), 6, 'records read + overrun = records written');
  assert.equal(outRecords(out), ['r2', 'r3', 'r4', 'r5']);
});

test('a slot the writer has claimed (stamped uncommitted) but not yet filled is overrun, not read', () => {
  const [j, out] = journalAndOut(4);
  const input: RoleInput = { lane: j, reader: 0 };
  const run = new InputRun(input, 4);
  const copied = new RunCopy();
  put(j, 4);
  assert.ok(run.wait());
  const w = j.next();
  assert.is(j.tryClaim(1), 1); // phase 1 for r4: the slot of r0 now says "uncommitted for 4"
  assert.ok(moveToOutput(input, run.first, run.count, out, true, copied));
  assert.is(copied.placed, 3);
  assert.is(copied.read, 3);
  assert.is(j.overrun(0), 1);
  j.write(w, enc.encode(`r${w}`));
  j.publish();
  out.publish();
  run.release();
  assert.equal(outRecords(out), ['r1', 'r2', 'r3']);
});

test('a full output refuses records the role read (drops_full); they are not overrun', () => {
  const [j, out] = journalAndOut(8, 2);
  const input: RoleInput = { lane: j, reader: 0 };
  const run = new InputRun(input, 8);
  const copied = new RunCopy();
  put(j, 5);
  assert.ok(run.wait());
  assert.is(run.count, 5);
  put(j, 4); // r8 overwrites r0
  assert.ok(moveToOutput(input, run.first, run.count, out, true, copied));
  // the output took 2 of the 5: r0 (lost to the writer) and r1; r2..r4 were refused
  assert.is(copied.placed, 1);
  assert.is(copied.read, 4, 'r1..r4 read: r1 placed, r2..r4 refused by the full output');
  assert.is(out.drops(), 3);
  assert.is(j.overrun(0), 1);
  out.publish();
  run.release();
  assert.equal(outRecords(out), ['r1']);
});

// Any interleaving of writer bursts with reader steps (the writer lapping the reader between
// its wait and its copy, or before its wait): every record written is read exactly once or
// counted in the reader's overrun exactly once, and what is read comes out in order, intact.
test('any interleaving: records read + overrun = records written, exactly (seeded)', () => {
  const step = fc.record({
    before: fc.integer({ min: 0, max: 12 }), // records written before the reader waits
    during: fc.integer({ min: 0, max: 6 }), // records written between the wait and the copy
    pending: fc.boolean(), // the writer claimed one more slot (phase 1) during the copy, fills it after
    max: fc.integer({ min: 1, max: 6 }),
  });
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
      const [j, out] = journalAndOut(4, 4096);
      const input: RoleInput = { lane: j, reader: 0 };
      const copied = new RunCopy();
      let read = 0;
      let written = 0;
      for (const s of steps) {
        if (s.before > 0) {
          put(j, s.before);
          written += s.before;
        }
        if (j.cursor() < j.readerSeq(0) + 1) continue; // nothing to read: the reader would sleep
        const run = new InputRun(input, s.max); // starts after the reader's released position
        assert.ok(run.wait());
        const k = run.count;
        if (s.during > 0) {
          put(j, s.during);
          written += s.during;
        }
        let w = -1;
        if (s.pending) {
          w = j.next();
          j.tryClaim(1);
        }
        assert.ok(moveToOutput(input, run.first, k, out, true, copied));
        out.publish();
        read += copied.read;
        run.release();
        if (w >= 0) {
          j.write(w, enc.encode(`r${w}`));
          j.publish();
          written += 1;
        }
      }
      // drain what is left
      const run = new InputRun(input, 6);
      while (j.cursor() >= j.readerSeq(0) + 1) {
        assert.ok(run.wait());
        assert.ok(moveToOutput(input, run.first, run.count, out, true, copied));
        out.publish();
        read += copied.read;
        run.release();
      }
      assert.is(j.cursor() - j.start() + 1, written);
      assert.is(read + j.overrun(0), written, 'records read + overrun = records written');
      const recs = outRecords(out);
      assert.is(recs.length, read, 'the output never fills here: everything read was placed');
      const idx = recs.map((r) => Number(r.slice(1)));
      for (let i = 0; i < idx.length; i++) {
        assert.ok(Number.isInteger(idx[i]) && idx[i]! >= 0 && idx[i]! < written, `intact record: ${recs[i]}`);
        if (i > 0) assert.ok(idx[i]! > idx[i - 1]!, 'in order, each once');
      }
      assert.is(recs[recs.length - 1] ?? `r${written - 1}`, `r${written - 1}`, 'the newest record is read');
    }),
    { seed: 0x10a9, numRuns: 150 },
  );
});

test.run();
