/**
 * The SingleRing region: a Disruptor-style sequenced ring of fixed-size slots.
 *
 * Layout (offsets from the region base; every hot word on its own 128-byte line):
 *     0  header line (region.ts) + ring fields:
 *          +32 stage_count u32, +36 wait u32, +40 spin_ns u32, +44 slot_stride u32,
 *          +48 slots_offset u32, +52 gating_mask u32, +56 consumers_mask u32
 *   128  cursor cell (wait.ts cell: value i64, waiters, epoch) — written by the producer only
 *   256  producer line (producer-private): +0 next i64 (next sequence to claim),
 *          +8 cached minimum gating sequence i64
 *   384  control line: +0 halt i32 (0 running, 1 ending, 2 aborted), +8 end_seq i64 (last
 *          sequence that will be published, valid once halt >= 1), +16 fail_cell i32,
 *          +24 fail_seq i64
 *   512 + c*128, c = 0..4: consumer cells: stages 0..3 and the egress reader (c = 4).
 *          +0..+15 the cell (value = last released sequence), +16 deps mask i32 (bit d =
 *          waits for cell d; 0 = waits for the cursor; written once at init)
 *  1152 + c*128: consumer c's private line: +0 cached available i64 (the highest sequence it
 *          last saw it may process). Kept off the cell's line: the producer spins on the cell,
 *          and a second write there per batch would move the line across cores twice.
 *  1792  slots: capacity × slot_stride; a slot is +0 len u32 (bit 31 = dropped),
 *          +4 reserved u32, +8 payload (slot_bytes)
 *
 * Sequences are 64-bit and start at a chosen value (tests start near 2^32); every function
 * JS calls per batch takes and returns f64 (exact below 2^53), never an i64 (docs/platform-notes.md G6).
 * The producer never claims past `min(gating cells) + capacity`; a consumer waits until the
 * cursor (or every cell it depends on) reaches the sequence it wants.
 */
import {
  KIND_SINGLE_RING, LINE, regionBegin, regionCommit, alignUp, H_CAPACITY, H_SLOT_BYTES,
} from './region';
import { cellPublish, cellWake, cellWakeArmed, C_VALUE, C_WAITERS } from './wait';
import {
  SEQ_WAIT, SEQ_SPIN_NS, SEQ_CURSOR, SEQ_CTL_HALT, SEQ_CTL_END_SEQ, SEQ_CELLS, HALT_RUNNING, HALT_ENDING, HALT_ABORTED,
  minOver, laggingCell, consumerStopped, producerStopped, awaitMin, spinMin,
} from './barrier';
import { copyOther, copyRecord, copyWords, isWordSized } from './copy';

export const MAX_STAGES: i32 = 4;
export const EGRESS_CELL: i32 = 4;
export const CELL_COUNT: i32 = 5;

const R_STAGE_COUNT: u32 = 32;
const R_WAIT: u32 = SEQ_WAIT;
const R_SPIN_NS: u32 = SEQ_SPIN_NS;
const R_SLOT_STRIDE: u32 = 44;
const R_SLOTS_OFFSET: u32 = 48;
const R_GATING_MASK: u32 = 52;
const R_CONSUMERS_MASK: u32 = 56;

const CURSOR: u32 = SEQ_CURSOR;
const P_NEXT: u32 = 256;
const P_CACHED_GATE: u32 = 264;
const CTL_HALT: u32 = SEQ_CTL_HALT;
const CTL_END_SEQ: u32 = SEQ_CTL_END_SEQ;
const CTL_FAIL_CELL: u32 = 400;
const CTL_FAIL_SEQ: u32 = 408;
const CELLS: u32 = SEQ_CELLS;
const CELL_DEPS: u32 = 16;
const PRIVATE: u32 = 1152;
const SLOTS: u32 = 1792;

export const SLOT_HEADER: u32 = 8;
export const DROPPED_BIT: u32 = 0x80000000;

export { HALT_RUNNING, HALT_ENDING, HALT_ABORTED } from './barrier';

// @ts-ignore: decorator
@inline function cellAt(base: usize, c: i32): usize { return base + CELLS + <usize>c * LINE; }
/** consumer c's cached available sequence (its private line) */
// @ts-ignore: decorator
@inline function cachedAt(base: usize, c: i32): usize { return base + PRIVATE + <usize>c * LINE; }

/** Bytes between two slots for a payload size. */
export function ringSlotStride(slotBytes: u32): u32 {
  return alignUp(SLOT_HEADER + slotBytes, 8);
}

/** Total bytes of a ring region (0 when the geometry is invalid). */
export function ringBytes(capacity: u32, slotBytes: u32): f64 {
  if (capacity < 2 || (capacity & (capacity - 1)) != 0 || capacity > (1 << 24)) return 0;
  if (slotBytes < 1 || slotBytes > (1 << 20)) return 0;
  return <f64>SLOTS + <f64>capacity * <f64>ringSlotStride(slotBytes);
}

/**
 * Initialise a ring region. `deps` packs the dependency masks of stages 0..3 (4 bits each,
 * stage i at bits 4i..4i+3); `egress` adds the egress reader cell, which waits for every
 * terminal stage. Returns false if the region was already initialised (or is being).
 */
export function ringInit(base: usize, capacity: u32, slotBytes: u32, stageCount: i32, deps: u32,
                         egress: bool, wait: u32, spinNs: u32, startSeq: f64): bool {
  const bytes = ringBytes(capacity, slotBytes);
  if (bytes == 0 || stageCount < 1 || stageCount > MAX_STAGES) return false;
  if (!regionBegin(base, KIND_SINGLE_RING, capacity, slotBytes, <u32>bytes)) return false;
  store<u32>(base + R_STAGE_COUNT, <u32>stageCount);
  store<u32>(base + R_WAIT, wait);
  store<u32>(base + R_SPIN_NS, spinNs);
  store<u32>(base + R_SLOT_STRIDE, ringSlotStride(slotBytes));
  store<u32>(base + R_SLOTS_OFFSET, SLOTS);
  const start = <i64>startSeq;
  store<i64>(base + CURSOR, start - 1);
  store<i32>(base + CURSOR + 8, 0);
  store<i32>(base + CURSOR + 12, 0);
  store<i64>(base + P_NEXT, start);
  store<i64>(base + P_CACHED_GATE, start - 1);
  store<i32>(base + CTL_HALT, HALT_RUNNING);
  store<i64>(base + CTL_END_SEQ, i64.MAX_VALUE);
  store<i32>(base + CTL_FAIL_CELL, -1);
  store<i64>(base + CTL_FAIL_SEQ, -1);
  let consumers: u32 = 0;
  let dependedOn: u32 = 0;
  for (let c = 0; c < CELL_COUNT; c++) {
    const cell = cellAt(base, c);
    store<i64>(cell, start - 1);
    store<i32>(cell + 8, 0);
    store<i32>(cell + 12, 0);
    store<i64>(cachedAt(base, c), start - 1);
    let mask: u32 = 0;
    if (c < stageCount) {
      mask = (deps >> (<u32>c * 4)) & 0xf;
      consumers |= 1 << c;
      dependedOn |= mask;
    }
    store<u32>(cell + CELL_DEPS, mask);
  }
  const terminals = consumers & ~dependedOn;
  if (egress) {
    store<u32>(cellAt(base, EGRESS_CELL) + CELL_DEPS, terminals);
    consumers |= 1 << EGRESS_CELL;
    store<u32>(base + R_GATING_MASK, 1 << EGRESS_CELL);
  } else {
    store<u32>(base + R_GATING_MASK, terminals);
  }
  store<u32>(base + R_CONSUMERS_MASK, consumers);
  regionCommit(base);
  return true;
}

// ------------------------------------------------------------------------------------------
// Reading the geometry (handles cache these once)

export function ringCapacity(base: usize): u32 { return load<u32>(base + H_CAPACITY); }
export function ringSlotBytes(base: usize): u32 { return load<u32>(base + H_SLOT_BYTES); }
export function ringStride(base: usize): u32 { return load<u32>(base + R_SLOT_STRIDE); }
export function ringSlotsOffset(base: usize): u32 { return load<u32>(base + R_SLOTS_OFFSET); }
export function ringStageCount(base: usize): i32 { return <i32>load<u32>(base + R_STAGE_COUNT); }
export function ringGatingMask(base: usize): u32 { return load<u32>(base + R_GATING_MASK); }
export function ringConsumersMask(base: usize): u32 { return load<u32>(base + R_CONSUMERS_MASK); }
export function ringDeps(base: usize, c: i32): u32 { return load<u32>(cellAt(base, c) + CELL_DEPS); }
export function ringWaitKind(base: usize): u32 { return load<u32>(base + R_WAIT); }
export function ringSpinNs(base: usize): u32 { return load<u32>(base + R_SPIN_NS); }
/** Change the wait strategy of a live ring (takes effect at each thread's next wait). */
export function ringSetWait(base: usize, wait: u32, spinNs: u32): void {
  atomic.store<u32>(base + R_WAIT, wait);
  atomic.store<u32>(base + R_SPIN_NS, spinNs);
}

/** Byte offset of the slot (its len word) holding `seq`. */
export function ringSlot(base: usize, seq: f64): f64 {
  return <f64>slotAddr(base, <i64>seq);
}

/** Address of the slot of `seq`. */
// @ts-ignore: decorator
@inline function slotAddr(base: usize, seq: i64): usize {
  const mask = <i64>load<u32>(base + H_CAPACITY) - 1;
  return base + SLOTS + <usize>((seq & mask) * <i64>load<u32>(base + R_SLOT_STRIDE));
}

// ------------------------------------------------------------------------------------------
// Observing (snapshots)

export function ringCursor(base: usize): f64 { return <f64>atomic.load<i64>(base + CURSOR); }
export function ringCellSeq(base: usize, c: i32): f64 { return <f64>atomic.load<i64>(cellAt(base, c)); }
export function ringCellAddr(base: usize, c: i32): usize { return cellAt(base, c); }
export function ringCursorAddr(base: usize): usize { return base + CURSOR; }
export function ringHalt(base: usize): i32 { return atomic.load<i32>(base + CTL_HALT); }
export function ringEndSeq(base: usize): f64 { return <f64>atomic.load<i64>(base + CTL_END_SEQ); }
export function ringFailCell(base: usize): i32 { return atomic.load<i32>(base + CTL_FAIL_CELL); }
export function ringFailSeq(base: usize): f64 { return <f64>atomic.load<i64>(base + CTL_FAIL_SEQ); }
/** Minimum over the gating cells: every slot up to here has been released. */
export function ringMinGating(base: usize): f64 { return <f64>minOver(base, load<u32>(base + R_GATING_MASK)); }

// ------------------------------------------------------------------------------------------
// Barrier (barrier.ts, shared with the lanes)

/**
 * Consumer cell `c` wants sequence `target`: blocks per the wait strategy and returns the highest
 * sequence it may process (>= target), or a value below target when the ring ended before
 * target (nothing more will come) or aborted (see `ringHalt`). Uses the cell's cached value
 * first, so a consumer in a batch run touches the shared cursor line once per batch.
 */
export function ringWaitFor(base: usize, c: i32, targetF: f64): f64 {
  const target = <i64>targetF;
  const cached = load<i64>(cachedAt(base, c));
  if (cached >= target) return <f64>cached;
  const v = awaitMin(base, load<u32>(cellAt(base, c) + CELL_DEPS), target, false);
  if (v >= target) store<i64>(cachedAt(base, c), v);
  return <f64>v;
}

/** Non-blocking form of ringWaitFor (for a thread that must not block: the main thread). */
export function ringAvailable(base: usize, c: i32, targetF: f64): f64 {
  const target = <i64>targetF;
  const cached = load<i64>(cachedAt(base, c));
  if (cached >= target) return <f64>cached;
  const v = minOver(base, load<u32>(cellAt(base, c) + CELL_DEPS));
  if (v >= target) store<i64>(cachedAt(base, c), v);
  return <f64>v;
}

/**
 * Spin (never sleep) for at most `budgetNs` until consumer cell `c` may process `target`.
 * Returns as ringAvailable does. For the main thread before it falls back to an async wait.
 */
export function ringSpinFor(base: usize, c: i32, targetF: f64, budgetNs: f64): f64 {
  const v = ringAvailable(base, c, targetF);
  if (v >= targetF || budgetNs <= 0) return v;
  const target = <i64>targetF;
  const m = spinMin(base, load<u32>(cellAt(base, c) + CELL_DEPS), target, false, budgetNs);
  if (m >= target) store<i64>(cachedAt(base, c), m);
  return <f64>m;
}

/** The cell (or the cursor) consumer `c` must sleep on to get `target`; 0 when it need not. */
export function ringConsumerWaitCell(base: usize, c: i32, targetF: f64): usize {
  if (consumerStopped(base, <i64>targetF)) return 0;
  return laggingCell(base, load<u32>(cellAt(base, c) + CELL_DEPS), <i64>targetF);
}

/** Consumer cell `c` has finished every sequence up to `seq`. */
export function ringRelease(base: usize, c: i32, seq: f64): void {
  cellPublish(cellAt(base, c), <i64>seq);
}

/**
 * ringRelease without the wake: the value is stored (readers that poll see it at once), sleepers
 * are not told. A stage that goes straight on to its next batch releases so and calls
 * ringWakeWaiters before it waits, awaits or has released many: one wake (a futex syscall when
 * someone sleeps) per run of batches instead of one per batch. The store and ringWakeWaiters'
 * later load of `waiters` keep the wait protocol's order (wait.ts): a sleeper that announced
 * itself before that load is woken by it; one that announces later sees the new value.
 */
export function ringReleaseQuiet(base: usize, c: i32, seq: f64): void {
  atomic.store<i64>(cellAt(base, c) + C_VALUE, <i64>seq);
}

/** Wake whoever sleeps on consumer cell `c` (after ringReleaseQuiet). */
export function ringWakeWaiters(base: usize, c: i32): void {
  const cell = cellAt(base, c);
  if (atomic.load<i32>(cell + C_WAITERS) != 0) cellWakeArmed(cell);
}

// ------------------------------------------------------------------------------------------
// Sequencer (single producer)

/** Next sequence the producer will claim. */
export function ringNext(base: usize): f64 { return <f64>load<i64>(base + P_NEXT); }

/** Slots the producer could claim now without waiting (reads the gating cells afresh). */
export function ringFree(base: usize): f64 {
  const gate = minOver(base, load<u32>(base + R_GATING_MASK));
  store<i64>(base + P_CACHED_GATE, gate);
  return <f64>(gate + <i64>load<u32>(base + H_CAPACITY) - load<i64>(base + P_NEXT) + 1);
}

/**
 * Claim up to `n` slots without blocking. Returns how many were claimed (0 when the ring is
 * full); they start at the `ringNext` value read before the call.
 */
export function ringTryClaim(base: usize, n: i32): i32 {
  const next = load<i64>(base + P_NEXT);
  const capacity = <i64>load<u32>(base + H_CAPACITY);
  let gate = load<i64>(base + P_CACHED_GATE);
  if (next + <i64>n - 1 - capacity > gate) {
    gate = minOver(base, load<u32>(base + R_GATING_MASK));
    store<i64>(base + P_CACHED_GATE, gate);
  }
  let free = gate + capacity - next + 1;
  if (free <= 0) return 0;
  const k = free < <i64>n ? <i32>free : n;
  store<i64>(base + P_NEXT, next + <i64>k);
  return k;
}

/**
 * Claim exactly `n` slots (n <= capacity), waiting per the ring's strategy while the ring is
 * full. Returns the first claimed sequence (one call per batch: no `ringNext` before it), or
 * -1 when the ring aborted while waiting. Never wraps past the slowest gating cell.
 */
export function ringClaim(base: usize, n: i32): f64 {
  const next = load<i64>(base + P_NEXT);
  const capacity = <i64>load<u32>(base + H_CAPACITY);
  const wrap = next + <i64>n - 1 - capacity;
  let gate = load<i64>(base + P_CACHED_GATE);
  if (wrap > gate) {
    gate = awaitMin(base, load<u32>(base + R_GATING_MASK), wrap, true);
    store<i64>(base + P_CACHED_GATE, gate);
    if (gate < wrap) return -1;
  }
  store<i64>(base + P_NEXT, next + <i64>n);
  return <f64>next;
}

/** The gating cell the producer must sleep on before `n` more slots are free; 0 when none. */
export function ringProducerWaitCell(base: usize, n: i32): usize {
  if (producerStopped(base)) return 0;
  const wrap = load<i64>(base + P_NEXT) + <i64>n - 1 - <i64>load<u32>(base + H_CAPACITY);
  return laggingCell(base, load<u32>(base + R_GATING_MASK), wrap);
}

/** Publish every claimed slot (one store of the cursor; wakes sleeping consumers). */
export function ringPublish(base: usize): f64 {
  const hi = load<i64>(base + P_NEXT) - 1;
  cellPublish(base + CURSOR, hi);
  return <f64>hi;
}

// ------------------------------------------------------------------------------------------
// Slots

/** Write one record's bytes (already in memory at `src`) into the slot of `seq`. */
export function ringWrite(base: usize, seq: f64, src: usize, len: u32): void {
  const slot = <usize>ringSlot(base, seq);
  copyRecord(slot + SLOT_HEADER, src, len);
  store<u32>(slot, len);
}

/** How many records from the start of a span batch fit a slot (the first longer one stops it). */
function fittingPrefix(base: usize, spans: usize, n: i32): i32 {
  const slotBytes = load<u32>(base + H_SLOT_BYTES);
  let fit = 0;
  while (fit < n) {
    const at = spans + (<usize>fit << 3);
    if (load<u32>(at + 4) - load<u32>(at) > slotBytes) break;
    fit++;
  }
  return fit;
}

/**
 * Copy records 0..count-1 of a span batch into the claimed slots from `seq` on, with their len
 * words. Runs of records of 8..64 bytes go through `copyWordRun` (a loop with no call in it), at
 * most up to the end of the slots; a record of another length (rare on the hot path) is copied
 * here, by a call, between two runs.
 */
// @ts-ignore: decorator
@inline function copySpans(base: usize, src: usize, spans: usize, count: i32, seq: i64): void {
  const capacity = load<u32>(base + H_CAPACITY);
  const stride = <usize>load<u32>(base + R_SLOT_STRIDE);
  const slots = base + SLOTS;
  const stop = spans + (<usize>count << 3);
  let index = <u32>seq & (capacity - 1);
  let at = spans;
  while (at < stop) {
    const slot = slots + <usize>index * stride;
    const untilWrap = at + (<usize>(capacity - index) << 3);
    const runStop = untilWrap < stop ? untilWrap : stop;
    const next = copyWordRun(slot, src, at, runStop, stride);
    index = (index + <u32>((next - at) >> 3)) & (capacity - 1);
    at = next;
    if (at == runStop) continue;
    const other = slots + <usize>index * stride;
    const start = load<u32>(at);
    const len = load<u32>(at + 4) - start;
    store<u32>(other, len);
    copyOther(other + SLOT_HEADER, src + <usize>start, len);
    index = (index + 1) & (capacity - 1);
    at += 8;
  }
}

/**
 * The records of a span batch from `at` to `stop`, while each is 8..64 bytes long, into the
 * consecutive slots from `slot` on (the caller stops a run at the end of the slots). Returns
 * the span where it stopped: `stop`, or a record of another length. No call in the loop: V8's
 * wasm code keeps no register across a call, so a loop with a call in it, even one never taken,
 * keeps its values on the stack and reloads them on every pass; across two cores that loop
 * wrote 30-40 % slower (docs/performance.md, seventh pass). Five parameters: all in registers.
 */
function copyWordRun(slot: usize, src: usize, at: usize, stop: usize, stride: usize): usize {
  while (at < stop) {
    const start = load<u32>(at);
    const len = load<u32>(at + 4) - start;
    if (!isWordSized(len)) break;
    store<u32>(slot, len);
    copyWords(slot + SLOT_HEADER, src + <usize>start, len);
    slot += stride;
    at += 8;
  }
  return at;
}

/**
 * The producer's batch write: claim up to `n` slots without blocking and copy record i of the
 * batch into them, record i being the bytes `src + spans[2i] .. src + spans[2i + 1]` (`spans`:
 * n pairs of u32 byte offsets, relative to `src`, both in this memory). One call per batch:
 * the claim, every slot copy (copy.ts `copyRecord`) and every len word, no call per record. Stops
 * before a record longer than slot_bytes (the caller refuses it and calls again past it) and
 * when the ring is full. Returns how many records were placed; they took the sequences from
 * `ringNext()` (read before the call) on. Nothing is published (`ringPublish`).
 */
export function ringTryWriteSpans(base: usize, src: usize, spans: usize, n: i32): i32 {
  const fit = fittingPrefix(base, spans, n);
  if (fit == 0) return 0;
  const got = ringTryClaim(base, fit);
  if (got == 0) return 0;
  copySpans(base, src, spans, got, load<i64>(base + P_NEXT) - <i64>got);
  return got;
}

/**
 * The producer's one-record write from this memory: claim one slot without blocking, copy the
 * `len` bytes at `src` into it (`copyRecord`) and write its len word. For a record an ingress
 * read into a buffer of the shared memory (IngressSink.readBuffer) and pushed on its own: one
 * call instead of a claim, a copy from JS and a len store. Returns 1, or 0 when the ring is
 * full. `len` must fit slot_bytes (the caller refuses longer records). Nothing is published.
 */
export function ringTryWriteOne(base: usize, src: usize, len: u32): i32 {
  if (ringTryClaim(base, 1) == 0) return 0;
  const slot = slotAddr(base, load<i64>(base + P_NEXT) - 1);
  copyRecord(slot + SLOT_HEADER, src, len);
  store<u32>(slot, len);
  return 1;
}

/**
 * The blocking batch write, for a producer on a thread that may wait (a worker): claim, copy and
 * publish a span batch in one call. Claims the slots of the records that fit slot_bytes from the
 * start of the batch (at most `capacity`), waiting per the ring's strategy while the ring is full,
 * copies them in and publishes them. Returns how many records were written (fewer than `n` when
 * the next one is longer than slot_bytes: the caller refuses it and calls again past it), or -1
 * when the ring aborted while it waited.
 */
export function ringWriteSpans(base: usize, src: usize, spans: usize, n: i32): i32 {
  let fit = fittingPrefix(base, spans, n);
  const capacity = <i32>load<u32>(base + H_CAPACITY);
  if (fit > capacity) fit = capacity;
  if (fit == 0) return 0;
  const first = ringClaim(base, fit);
  if (first < 0) return -1;
  copySpans(base, src, spans, fit, <i64>first);
  ringPublish(base);
  return fit;
}

/** Payload length of the slot of `seq` (the dropped bit is not part of it). */
export function ringLength(base: usize, seq: f64): u32 {
  return load<u32>(<usize>ringSlot(base, seq)) & ~DROPPED_BIT;
}

export function ringDropped(base: usize, seq: f64): bool {
  return (load<u32>(<usize>ringSlot(base, seq)) & DROPPED_BIT) != 0;
}

// ------------------------------------------------------------------------------------------
// Lifecycle

/**
 * The producer is done: everything claimed is published, `end_seq` = cursor, and every sleeper
 * is woken so that consumers drain what is left and then see the end.
 */
export function ringEnd(base: usize): f64 {
  const hi = ringPublish(base);
  atomic.store<i64>(base + CTL_END_SEQ, <i64>hi);
  atomic.cmpxchg<i32>(base + CTL_HALT, HALT_RUNNING, HALT_ENDING);
  wakeAll(base);
  return hi;
}

/**
 * Stop the ring now (stage_failure_policy stop_pipeline). The first abort records who failed
 * (`c`: a consumer cell, or a kernel-chosen id >= CELL_COUNT) at which sequence; returns false
 * when another abort came first.
 */
export function ringAbort(base: usize, c: i32, seq: f64): bool {
  const first = atomic.cmpxchg<i32>(base + CTL_FAIL_CELL, -1, c) == -1;
  if (first) atomic.store<i64>(base + CTL_FAIL_SEQ, <i64>seq);
  atomic.store<i32>(base + CTL_HALT, HALT_ABORTED);
  wakeAll(base);
  return first;
}

function wakeAll(base: usize): void {
  cellWake(base + CURSOR);
  for (let c = 0; c < CELL_COUNT; c++) cellWake(cellAt(base, c));
}
