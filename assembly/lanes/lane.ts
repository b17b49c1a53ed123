/**
 * The sequenced lane: the operations every LaneGraph lane kind shares, over the layout of
 * layout.ts (which is the SingleRing layout generalised to N readers, so these functions also
 * run a `sequenced_slots` lane, stored as a SingleRing region with one reader).
 *
 * One writer claims slots (batch claim), fills them and publishes them with one store of the
 * cursor; each reader r waits for the cursor, processes slots in place or copies them out, and
 * releases them by storing its cell. The writer never claims past `min(gating readers) +
 * capacity` (Disruptor-style), except a journal in overwrite mode (journal.ts), whose writer
 * never waits and whose readers detect the records they lost.
 *
 * on_full is the writer's choice per claim: `block` calls laneClaim (waits per the wait
 * strategy), `drop` calls laneTryClaim and counts what it could not place with
 * laneCountDrops (drops_full, kept in the region, so a snapshot reads it from shared memory).
 *
 * Doorbells: a role that waits for several lanes at once (a merge waiting for any input, a
 * work-queue router waiting for any output to free a slot, the egress) cannot sleep on all of
 * their cells; it gives each lane the address of one cell of its own, and the lane wakes that
 * cell too when it publishes (the reader's doorbell, one per reader: a fanout lane may feed
 * two merges) or when a reader releases (the writer's doorbell) — only when someone announced
 * a sleep on it (wait.ts protocol).
 *
 * Wait strategies are ring.ts's (spin, backoff = spin budget → unannounced naps → announced
 * sleeps with a timeout, block = announced sleeps), with the same constants from wait.ts.
 * Sequences cross the JS boundary as f64 (exact below 2^53), never i64 (docs/platform-notes.md G6).
 */
import { H_CAPACITY, H_KIND, H_SLOT_BYTES } from '../region';
import { C_WAITERS, cellWake, cellWakeArmed } from '../wait';
import { minOver, laggingCell, consumerStopped, producerStopped, awaitMin, spinMin } from '../barrier';
import {
  KIND_LANE_JOURNAL, MAX_READERS, L_READERS, L_WAIT, L_SPIN_NS, L_SLOT_STRIDE, L_SLOTS_OFFSET, L_GATING_MASK,
  L_WRITER_DOORBELL, L_OVERWRITE, CURSOR, W_NEXT, W_CACHED_GATE, W_DROPS, W_START,
  CTL_HALT, CTL_END_SEQ, CTL_FAIL_WHO, CTL_FAIL_SEQ, CELL_CACHED, CELL_OVERRUN, CELL_DOORBELL, SLOT_HEADER, LENGTH_MASK,
  HALT_RUNNING, HALT_ENDING, HALT_ABORTED, readerCell, slotAddr,
} from './layout';
import { journalStampClaimed, journalCommit, journalCopyChecked } from './journal';
import { copyRecord } from '../copy';

// ------------------------------------------------------------------------------------------
// Barrier and waits: ../barrier.ts (shared with the SingleRing; the lane layout is the ring's)

/** Store a cell and wake its sleepers. */
// @ts-ignore: decorator
@inline function publishCell(cell: usize, value: i64): void {
  atomic.store<i64>(cell, value);
  if (atomic.load<i32>(cell + C_WAITERS) != 0) cellWakeArmed(cell);
}

/** Ring a doorbell (0 = none) if someone announced a sleep on it. */
// @ts-ignore: decorator
@inline function ringBell(bell: usize): void {
  if (bell != 0 && atomic.load<i32>(bell + C_WAITERS) != 0) cellWakeArmed(bell);
}

// ------------------------------------------------------------------------------------------
// Writer (one per lane)

// @ts-ignore: decorator
@inline function isJournal(base: usize): bool { return load<u32>(base + H_KIND) == KIND_LANE_JOURNAL; }

// @ts-ignore: decorator
@inline function takeClaim(base: usize, next: i64, k: i32): void {
  if (isJournal(base)) journalStampClaimed(base, next, k);
  atomic.store<i64>(base + W_NEXT, next + <i64>k);
}

/** Next sequence the writer will claim. */
export function laneNext(base: usize): f64 { return <f64>atomic.load<i64>(base + W_NEXT); }

/** Slots the writer could claim now without waiting. */
export function laneFree(base: usize): f64 {
  const capacity = <i64>load<u32>(base + H_CAPACITY);
  if (load<u32>(base + L_OVERWRITE) != 0) return <f64>capacity;
  const next = load<i64>(base + W_NEXT);
  const gate = minOver(base, load<u32>(base + L_GATING_MASK));
  store<i64>(base + W_CACHED_GATE, gate);
  const free = gate + capacity - next + 1;
  return free > 0 ? <f64>free : 0;
}

/** Claim up to `n` slots without waiting; returns how many (0 = full). They start at laneNext before the call. */
export function laneTryClaim(base: usize, n: i32): i32 {
  const next = load<i64>(base + W_NEXT);
  const capacity = <i64>load<u32>(base + H_CAPACITY);
  let k = <i64>n > capacity ? <i32>capacity : n;
  if (load<u32>(base + L_OVERWRITE) == 0) {
    let gate = load<i64>(base + W_CACHED_GATE);
    if (next + <i64>k - 1 - capacity > gate) {
      gate = minOver(base, load<u32>(base + L_GATING_MASK));
      store<i64>(base + W_CACHED_GATE, gate);
    }
    const free = gate + capacity - next + 1;
    if (free <= 0) return 0;
    if (free < <i64>k) k = <i32>free;
  }
  takeClaim(base, next, k);
  return k;
}

/**
 * Claim exactly `n` slots (at most capacity), waiting per the strategy while the lane is full.
 * Returns n, or 0 when the lane aborted while waiting.
 */
export function laneClaim(base: usize, n: i32): i32 {
  const next = load<i64>(base + W_NEXT);
  const capacity = <i64>load<u32>(base + H_CAPACITY);
  const k = <i64>n > capacity ? <i32>capacity : n;
  if (load<u32>(base + L_OVERWRITE) == 0) {
    const wrap = next + <i64>k - 1 - capacity;
    let gate = load<i64>(base + W_CACHED_GATE);
    if (wrap > gate) {
      gate = awaitMin(base, load<u32>(base + L_GATING_MASK), wrap, true);
      store<i64>(base + W_CACHED_GATE, gate);
      if (gate < wrap) return 0;
    }
  }
  takeClaim(base, next, k);
  return k;
}

/** Give back the last `n` claimed, unpublished slots (a copy placed fewer records than it claimed). */
export function laneUnclaim(base: usize, n: i32): void {
  const next = load<i64>(base + W_NEXT) - <i64>n;
  const floor = atomic.load<i64>(base + CURSOR) + 1;
  atomic.store<i64>(base + W_NEXT, next < floor ? floor : next);
}

/** Publish every claimed slot (one store of the cursor); returns the new cursor. */
export function lanePublish(base: usize): f64 {
  const hi = load<i64>(base + W_NEXT) - 1;
  const cursor = atomic.load<i64>(base + CURSOR);
  if (hi == cursor) return <f64>hi;
  if (isJournal(base)) journalCommit(base, cursor + 1, hi);
  publishCell(base + CURSOR, hi);
  const readers = <i32>load<u32>(base + L_READERS);
  for (let r = 0; r < readers; r++) ringBell(<usize>load<u32>(readerCell(base, r) + CELL_DOORBELL));
  return <f64>hi;
}

/** The writer refused `n` records because the lane was full (on_full=drop). */
export function laneCountDrops(base: usize, n: f64): void {
  store<f64>(base + W_DROPS, load<f64>(base + W_DROPS) + n);
}

/** The gating cell the writer must sleep on before `n` more slots are free; 0 when none. */
export function laneWriterWaitCell(base: usize, n: i32): usize {
  if (producerStopped(base) || load<u32>(base + L_OVERWRITE) != 0) return 0;
  const wrap = load<i64>(base + W_NEXT) + <i64>n - 1 - <i64>load<u32>(base + H_CAPACITY);
  return laggingCell(base, load<u32>(base + L_GATING_MASK), wrap);
}

// ------------------------------------------------------------------------------------------
// Readers

/**
 * Reader `r` wants sequence `target`: waits per the strategy and returns the highest published
 * sequence (>= target), or a value below target when the lane ended before target or aborted.
 */
export function laneWaitFor(base: usize, r: i32, targetF: f64): f64 {
  const cell = readerCell(base, r);
  const target = <i64>targetF;
  const cached = load<i64>(cell + CELL_CACHED);
  if (cached >= target) return <f64>cached;
  const v = awaitMin(base, 0, target, false);
  if (v >= target) store<i64>(cell + CELL_CACHED, v);
  return <f64>v;
}

/** Non-blocking laneWaitFor. */
export function laneAvailable(base: usize, r: i32, targetF: f64): f64 {
  const cell = readerCell(base, r);
  const target = <i64>targetF;
  const cached = load<i64>(cell + CELL_CACHED);
  if (cached >= target) return <f64>cached;
  const v = atomic.load<i64>(base + CURSOR);
  if (v >= target) store<i64>(cell + CELL_CACHED, v);
  return <f64>v;
}

/** Spin (never sleep) at most `budgetNs` for `target`; returns as laneAvailable. For the main thread. */
export function laneSpinFor(base: usize, r: i32, targetF: f64, budgetNs: f64): f64 {
  const v = laneAvailable(base, r, targetF);
  if (v >= targetF || budgetNs <= 0) return v;
  const target = <i64>targetF;
  const m = spinMin(base, 0, target, false, budgetNs);
  if (m >= target) store<i64>(readerCell(base, r) + CELL_CACHED, m);
  return <f64>m;
}

/** True when nothing at `target` will ever be published: the lane ended before it, or aborted. */
export function laneStopped(base: usize, targetF: f64): bool {
  return consumerStopped(base, <i64>targetF);
}

/** The cell a reader must sleep on for `target` (the cursor); 0 when it need not. */
export function laneReaderWaitCell(base: usize, targetF: f64): usize {
  const target = <i64>targetF;
  if (consumerStopped(base, target)) return 0;
  return atomic.load<i64>(base + CURSOR) < target ? base + CURSOR : 0;
}

/** Reader `r` has finished every sequence up to `seq`. */
export function laneRelease(base: usize, r: i32, seq: f64): void {
  publishCell(readerCell(base, r), <i64>seq);
  ringBell(<usize>load<u32>(base + L_WRITER_DOORBELL));
}

/**
 * Copy `n` records from `src` (sequences from srcSeq, read by reader `r`) into `dst`'s claimed
 * slots from dstSeq: length word (dropped bit included) and payload. Returns how many were
 * placed: n, except from a journal in overwrite mode, where records the writer overwrote
 * before or during the copy are skipped and counted as the reader's overrun.
 */
export function laneCopy(src: usize, r: i32, srcSeqF: f64, n: i32, dst: usize, dstSeqF: f64): i32 {
  if (isJournal(src) && load<u32>(src + L_OVERWRITE) != 0) {
    return journalCopyChecked(src, r, <i64>srcSeqF, n, dst, <i64>dstSeqF);
  }
  laneCopyRaw(src, srcSeqF, n, dst, dstSeqF);
  return n;
}

/**
 * Copy `n` slots as they are, without the journal checks: for slots the caller owns (a router
 * copying a batch it already placed in one output into the others).
 */
export function laneCopyRaw(src: usize, srcSeqF: f64, n: i32, dst: usize, dstSeqF: f64): void {
  const srcSeq = <i64>srcSeqF;
  const dstSeq = <i64>dstSeqF;
  const max = load<u32>(dst + H_SLOT_BYTES);
  for (let i = 0; i < n; i++) {
    const s = slotAddr(src, srcSeq + <i64>i);
    const d = slotAddr(dst, dstSeq + <i64>i);
    const word = load<u32>(s);
    let len = word & LENGTH_MASK;
    if (len > max) len = max; // never: every lane of a graph has the same slot_bytes
    copyRecord(d + SLOT_HEADER, s + SLOT_HEADER, len);
    store<u32>(d, (word & ~LENGTH_MASK) | len);
  }
}

// ------------------------------------------------------------------------------------------
// Lifecycle

/** Wake every sleeper of the lane and both doorbells (end of stream, abort). */
function wakeAll(base: usize): void {
  cellWake(base + CURSOR);
  const readers = <i32>load<u32>(base + L_READERS);
  for (let r = 0; r < readers; r++) {
    const cell = readerCell(base, r);
    cellWake(cell);
    const bell = <usize>load<u32>(cell + CELL_DOORBELL);
    if (bell != 0) cellWake(bell);
  }
  const wb = <usize>load<u32>(base + L_WRITER_DOORBELL);
  if (wb != 0) cellWake(wb);
}

/** The writer is done: publish what is claimed, mark the end, wake everyone. */
export function laneEnd(base: usize): f64 {
  const hi = lanePublish(base);
  atomic.store<i64>(base + CTL_END_SEQ, <i64>hi);
  atomic.cmpxchg<i32>(base + CTL_HALT, HALT_RUNNING, HALT_ENDING);
  wakeAll(base);
  return hi;
}

/** Stop the lane now; the first abort records who and at which sequence. Returns true for the first. */
export function laneAbort(base: usize, who: i32, seq: f64): bool {
  const first = atomic.cmpxchg<i32>(base + CTL_FAIL_WHO, -1, who) == -1;
  if (first) atomic.store<i64>(base + CTL_FAIL_SEQ, <i64>seq);
  atomic.store<i32>(base + CTL_HALT, HALT_ABORTED);
  wakeAll(base);
  return first;
}

/** Ring `bell` (0 = none) whenever reader `r`'s waiting may be over (publish, end, abort). Set before use. */
export function laneSetReaderDoorbell(base: usize, r: i32, bell: usize): void {
  atomic.store<u32>(readerCell(base, r) + CELL_DOORBELL, <u32>bell);
}

/** Ring `bell` (0 = none) whenever the writer's waiting may be over (a release, end, abort). Set before use. */
export function laneSetWriterDoorbell(base: usize, bell: usize): void {
  atomic.store<u32>(base + L_WRITER_DOORBELL, <u32>bell);
}

// ------------------------------------------------------------------------------------------
// Observing (state documents)

export function laneReaders(base: usize): i32 { return <i32>load<u32>(base + L_READERS); }
export function laneCursor(base: usize): f64 { return <f64>atomic.load<i64>(base + CURSOR); }
export function laneReaderSeq(base: usize, r: i32): f64 { return <f64>atomic.load<i64>(readerCell(base, r)); }
export function laneStart(base: usize): f64 { return <f64>load<i64>(base + W_START); }
export function laneDrops(base: usize): f64 { return load<f64>(base + W_DROPS); }
export function laneOverrun(base: usize, r: i32): f64 { return load<f64>(readerCell(base, r) + CELL_OVERRUN); }
export function laneOverwrite(base: usize): bool { return load<u32>(base + L_OVERWRITE) != 0; }
export function laneHalt(base: usize): i32 { return atomic.load<i32>(base + CTL_HALT); }
export function laneEndSeq(base: usize): f64 { return <f64>atomic.load<i64>(base + CTL_END_SEQ); }
export function laneFailWho(base: usize): i32 { return atomic.load<i32>(base + CTL_FAIL_WHO); }
export function laneFailSeq(base: usize): f64 { return <f64>atomic.load<i64>(base + CTL_FAIL_SEQ); }
export function laneMinGating(base: usize): f64 { return <f64>minOver(base, load<u32>(base + L_GATING_MASK)); }
export function laneWaitKind(base: usize): u32 { return load<u32>(base + L_WAIT); }
export function laneSpinNs(base: usize): u32 { return load<u32>(base + L_SPIN_NS); }
export function laneStride(base: usize): u32 { return load<u32>(base + L_SLOT_STRIDE); }
export function laneSlotsStart(base: usize): u32 { return load<u32>(base + L_SLOTS_OFFSET); }
export function laneMaxReaders(): u32 { return MAX_READERS; }
