/**
 * Typed handle over a LaneGraph lane region (assembly/lanes/): `events`, `fanout_broadcast`,
 * `journal`, and `sequenced_slots` (a SingleRing region with one reader). The LaneGraph
 * executor, its role workers and tests use this, never the raw exports. Per-batch methods are
 * allocation-free; sequences are numbers (exact below 2^53), never BigInt (docs/platform-notes.md G6).
 *
 * Blocking waits (`claim`, `waitFor`) sleep inside the core and are for worker threads. The
 * main thread (ingress and egress) uses the non-blocking forms plus `waitForSpace` /
 * `waitForAvailable`, which spin briefly and then await `Atomics.waitAsync`, as RingHandle does.
 *
 * The slot geometry fields (u8, u32, slotBytes, slotsBase, mask, stride) are the ones
 * kernel/exec/record-batch.ts reads, so a stage role hands its plugin handler the same
 * RecordBatch a SingleRing stage gets.
 */
import { ByteorError } from '../errors.ts';
import { validateRegion } from './region.ts';
import { DEFAULT_SPIN_NS, MAIN_THREAD_SPIN_NS, WAIT_KINDS, WAIT_KIND_NAMES, type WaitKind } from './ring.ts';
import {
  KIND_LANE_EVENTS,
  KIND_LANE_FANOUT,
  KIND_LANE_JOURNAL,
  KIND_SINGLE_RING,
  sizingCore,
  type CoreExports,
} from './wasm.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export type LaneKindName = 'events' | 'fanout_broadcast' | 'journal' | 'sequenced_slots';

/** The region kind each lane kind is stored as. */
export const LANE_REGION_KIND: Readonly<Record<LaneKindName, number>> = Object.freeze({
  events: KIND_LANE_EVENTS,
  fanout_broadcast: KIND_LANE_FANOUT,
  journal: KIND_LANE_JOURNAL,
  sequenced_slots: KIND_SINGLE_RING,
});

/** Slot header bytes before the payload: len u32 (bit 31 = dropped) + commit u32 (journal). */
export const LANE_SLOT_HEADER = 8;
export const LANE_DROPPED_BIT = 0x80000000;
export const LANE_LENGTH_MASK = 0x7fffffff;

export const LANE_HALT = { running: 0, ending: 1, aborted: 2 } as const;
/** Safety timeout of one async wait (wakes come from the other side; this only bounds a lost one). */
const ASYNC_WAIT_TIMEOUT_MS = 1_000;

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (
  Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t?: number): WaitAsyncResult }
).waitAsync;

export interface LaneInit {
  kind: LaneKindName;
  capacity: number;
  slotBytes: number;
  /** reader positions: 1 for events and sequenced_slots; 1..8 for fanout_broadcast and journal */
  readers: number;
  /** journal only: on_full=drop makes the writer overwrite the oldest records instead of waiting */
  overwrite?: boolean;
  wait: WaitKind;
  /** spin budget of backoff in ns (default DEFAULT_SPIN_NS; `block` uses 0) */
  spinNs?: number;
  /** first sequence (default 0; tests start near 2^32) */
  startSeq?: number;
}

function layoutError(what: string, message: string): ByteorError {
  return KernelErrors.error('BYTEOR_E_LAYOUT_INVALID', `cannot initialise ${what}: ${message}`, { lane: what });
}

export class LaneHandle {
  readonly capacity: number;
  readonly slotBytes: number;
  readonly stride: number;
  readonly readers: number;
  /** byte offset of slot 0's len word */
  readonly slotsBase: number;
  readonly mask: number;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  private readonly i32: Int32Array;

  constructor(
    readonly core: CoreExports,
    readonly memory: WebAssembly.Memory,
    readonly base: number,
    readonly kind: LaneKindName,
    readonly what = 'lane',
    waitMs = 0,
  ) {
    validateRegion(core, base, LANE_REGION_KIND[kind], what, waitMs);
    this.capacity = this.u32At(base + 16);
    this.slotBytes = this.u32At(base + 20);
    this.stride = core.laneStride(base) >>> 0;
    this.readers = core.laneReaders(base);
    this.slotsBase = base + (core.laneSlotsStart(base) >>> 0);
    this.mask = this.capacity - 1;
    this.u8 = new Uint8Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  private u32At(off: number): number {
    return new Uint32Array(this.memory.buffer, off, 1)[0]!;
  }

  /** Bytes of a lane region (0 when the geometry is invalid). */
  static bytes(kind: LaneKindName, readers: number, capacity: number, slotBytes: number): number {
    const c = sizingCore();
    switch (kind) {
      case 'events':
        return readers === 1 ? c.eventsBytes(capacity, slotBytes) : 0;
      case 'fanout_broadcast':
        return c.fanoutBytes(readers, capacity, slotBytes);
      case 'journal':
        return c.journalBytes(readers, capacity, slotBytes);
      case 'sequenced_slots':
        return readers === 1 ? c.slotsLaneBytes(capacity, slotBytes) : 0;
    }
  }

  /** Most readers of one lane region (fanout_broadcast, journal). */
  static maxReaders(): number {
    return sizingCore().laneMaxReaders();
  }

  /** Initialise a lane region at `base` and return its handle. */
  static create(
    core: CoreExports,
    memory: WebAssembly.Memory,
    base: number,
    init: LaneInit,
    what = 'lane',
  ): LaneHandle {
    const wait = WAIT_KINDS[init.wait];
    const spinNs =
      init.wait === 'block' ? 0 : Math.max(0, Math.min(0xffffffff, Math.round(init.spinNs ?? DEFAULT_SPIN_NS)));
    const start = init.startSeq ?? 0;
    if (!Number.isSafeInteger(start) || start < 0 || start > 2 ** 52)
      throw layoutError(what, `start sequence ${start} is not an integer in 0..2^52`);
    const one = init.kind === 'events' || init.kind === 'sequenced_slots';
    if (one ? init.readers !== 1 : !(init.readers >= 1 && init.readers <= LaneHandle.maxReaders())) {
      throw layoutError(
        what,
        `a ${init.kind} lane has ${one ? 'exactly 1 reader' : `1..${LaneHandle.maxReaders()} readers`}, got ` +
          `${init.readers}`,
      );
    }
    let ok: number;
    switch (init.kind) {
      case 'events':
        ok = core.eventsInit(base, init.capacity, init.slotBytes, wait, spinNs, start);
        break;
      case 'fanout_broadcast':
        ok = core.fanoutInit(base, init.readers, init.capacity, init.slotBytes, wait, spinNs, start);
        break;
      case 'journal':
        ok = core.journalInit(
          base,
          init.readers,
          init.capacity,
          init.slotBytes,
          init.overwrite ? 1 : 0,
          wait,
          spinNs,
          start,
        );
        break;
      case 'sequenced_slots':
        ok = core.slotsLaneInit(base, init.capacity, init.slotBytes, wait, spinNs, start);
        break;
    }
    if (!ok)
      throw layoutError(
        what,
        'capacity must be a power of two in 2..2^24 and slot_bytes in 1..2^20, and the region must be fresh',
      );
    return new LaneHandle(core, memory, base, init.kind, what);
  }

  // -- slots ----------------------------------------------------------------------------------
  slotOffset(seq: number): number {
    return this.slotsBase + (seq & this.mask) * this.stride;
  }
  payloadOffset(seq: number): number {
    return this.slotsBase + (seq & this.mask) * this.stride + LANE_SLOT_HEADER;
  }
  length(seq: number): number {
    return this.u32[(this.slotsBase + (seq & this.mask) * this.stride) >>> 2]! & LANE_LENGTH_MASK;
  }
  dropped(seq: number): boolean {
    return (this.u32[(this.slotsBase + (seq & this.mask) * this.stride) >>> 2]! & LANE_DROPPED_BIT) !== 0;
  }

  /** Copy a record into the slot of a claimed `seq`; the caller checked `bytes.length <= slotBytes`. */
  write(seq: number, bytes: Uint8Array): void {
    const off = this.slotsBase + (seq & this.mask) * this.stride;
    this.u8.set(bytes, off + LANE_SLOT_HEADER);
    this.u32[off >>> 2] = bytes.length;
  }

  // -- writer ---------------------------------------------------------------------------------
  next(): number {
    return this.core.laneNext(this.base);
  }
  /** Slots that could be claimed now without waiting. */
  free(): number {
    return this.core.laneFree(this.base);
  }
  /** Claim up to n slots now; returns how many (0 = full). They start at the `next()` before. */
  tryClaim(n: number): number {
    return this.core.laneTryClaim(this.base, n);
  }
  /** Claim n slots (n <= capacity), sleeping per the wait strategy while full (workers only). 0 = aborted. */
  claim(n: number): number {
    return this.core.laneClaim(this.base, n);
  }
  /** Give back the last n claimed, unpublished slots. */
  unclaim(n: number): void {
    this.core.laneUnclaim(this.base, n);
  }
  /** Publish every claimed slot; returns the new cursor. */
  publish(): number {
    return this.core.lanePublish(this.base);
  }
  /** The writer refused n records (on_full=drop): drops_full += n. */
  countDrops(n: number): void {
    this.core.laneCountDrops(this.base, n);
  }

  /** Resolve once n slots could be claimed (or the lane aborted). Main-thread form of `claim`. */
  async waitForSpace(n: number): Promise<void> {
    const core = this.core;
    const base = this.base;
    const until = core.clockNs() + MAIN_THREAD_SPIN_NS;
    while (core.laneWriterWaitCell(base, n) !== 0 && core.clockNs() < until) {
      /* brief spin */
    }
    for (;;) {
      const cell = core.laneWriterWaitCell(base, n) >>> 0;
      if (cell === 0) return;
      const epoch = core.cellPrepare(cell);
      try {
        if (core.laneWriterWaitCell(base, n) >>> 0 === 0) return;
        const r = waitAsync(this.i32, (cell + 12) >>> 2, epoch, ASYNC_WAIT_TIMEOUT_MS);
        if (r.async) await r.value;
      } finally {
        core.cellDone(cell);
      }
    }
  }

  // -- readers --------------------------------------------------------------------------------
  /** Block until reader r may read `target`; returns the highest such sequence, or < target at end/abort. */
  waitFor(r: number, target: number): number {
    return this.core.laneWaitFor(this.base, r, target);
  }
  /** Non-blocking waitFor. */
  available(r: number, target: number): number {
    return this.core.laneAvailable(this.base, r, target);
  }
  /**
   * Worker form of `waitFor` that gives up after about `sliceMs`, so a stage role can turn its
   * event loop between slices (kernel/exec/event-loop-turns.ts): per the lane's strategy it spins
   * (`spin`: the whole slice; `backoff`: its spin budget) and then sleeps on the cell it waits for
   * (`backoff`, `block`), woken by the writer as `waitFor` is. Returns as `available` does; a
   * value below target is the end, an abort (`stopped`) or the slice running out.
   */
  waitForWithin(r: number, target: number, sliceMs: number): number {
    const core = this.core;
    const base = this.base;
    const kind = this.waitKind();
    const spin = kind === 'spin' ? sliceMs * 1e6 : kind === 'backoff' ? core.laneSpinNs(base) >>> 0 : 0;
    const v = core.laneSpinFor(base, r, target, spin);
    if (v >= target || kind === 'spin') return v;
    const cell = core.laneReaderWaitCell(base, target) >>> 0;
    if (cell === 0) return core.laneAvailable(base, r, target);
    const epoch = core.cellPrepare(cell);
    try {
      if (core.laneReaderWaitCell(base, target) >>> 0 === cell)
        Atomics.wait(this.i32, (cell + 12) >>> 2, epoch, sliceMs);
    } finally {
      core.cellDone(cell);
    }
    return core.laneAvailable(base, r, target);
  }
  /** True when nothing at `target` will ever come (ended before it, or aborted). */
  stopped(target: number): boolean {
    return this.core.laneStopped(this.base, target) !== 0;
  }
  release(r: number, seq: number): void {
    this.core.laneRelease(this.base, r, seq);
  }
  /** Journal in overwrite mode: skip (and count as overrun) what the writer already overwrote. */
  skipOverrun(r: number, next: number): number {
    return this.kind === 'journal' ? this.core.journalSkipOverrun(this.base, r, next) : next;
  }
  /**
   * Copy n records read by reader r from srcSeq into `dst`'s claimed slots from dstSeq; returns how many were placed.
   */
  copyTo(r: number, srcSeq: number, n: number, dst: LaneHandle, dstSeq: number): number {
    return this.core.laneCopy(this.base, r, srcSeq, n, dst.base, dstSeq);
  }
  /** Copy n slots this thread owns (claimed, written) from seq into `dst`'s claimed slots, without journal checks. */
  copyRawTo(srcSeq: number, n: number, dst: LaneHandle, dstSeq: number): void {
    this.core.laneCopyRaw(this.base, srcSeq, n, dst.base, dstSeq);
  }

  /** Resolve with the highest sequence reader r may read once it reaches `target`, or < target at end/abort. */
  async waitForAvailable(r: number, target: number): Promise<number> {
    const core = this.core;
    const base = this.base;
    let v = core.laneSpinFor(base, r, target, MAIN_THREAD_SPIN_NS);
    while (v < target) {
      const cell = core.laneReaderWaitCell(base, target) >>> 0;
      if (cell === 0) return core.laneAvailable(base, r, target);
      const epoch = core.cellPrepare(cell);
      try {
        if (core.laneReaderWaitCell(base, target) >>> 0 === cell) {
          const w = waitAsync(this.i32, (cell + 12) >>> 2, epoch, ASYNC_WAIT_TIMEOUT_MS);
          if (w.async) await w.value;
        }
      } finally {
        core.cellDone(cell);
      }
      v = core.laneAvailable(base, r, target);
    }
    return v;
  }

  // -- lifecycle and observation --------------------------------------------------------------
  /** No more records: publish what is claimed, mark the end, wake every sleeper. */
  end(): number {
    return this.core.laneEnd(this.base);
  }
  /** Stop now; the first abort records `who` and `seq`. */
  abort(who: number, seq: number): boolean {
    return this.core.laneAbort(this.base, who, seq) !== 0;
  }
  /** Ring this doorbell cell (byte offset; 0 = none) when reader r may stop waiting (publish, end, abort). */
  setReaderDoorbell(r: number, bell: number): void {
    this.core.laneSetReaderDoorbell(this.base, r, bell);
  }
  /** Ring this doorbell cell (0 = none) when the writer may stop waiting (a reader released, end, abort). */
  setWriterDoorbell(bell: number): void {
    this.core.laneSetWriterDoorbell(this.base, bell);
  }
  halt(): number {
    return this.core.laneHalt(this.base);
  }
  endSeq(): number {
    return this.core.laneEndSeq(this.base);
  }
  failure(): { who: number; seq: number } | null {
    const who = this.core.laneFailWho(this.base);
    return who < 0 ? null : { who, seq: this.core.laneFailSeq(this.base) };
  }
  cursor(): number {
    return this.core.laneCursor(this.base);
  }
  readerSeq(r: number): number {
    return this.core.laneReaderSeq(this.base, r);
  }
  /** First sequence of the lane (published records = cursor - start + 1). */
  start(): number {
    return this.core.laneStart(this.base);
  }
  drops(): number {
    return this.core.laneDrops(this.base);
  }
  overrun(r: number): number {
    return this.core.laneOverrun(this.base, r);
  }
  overwrite(): boolean {
    return this.core.laneOverwrite(this.base) !== 0;
  }
  minGating(): number {
    return this.core.laneMinGating(this.base);
  }
  committed(seq: number): boolean {
    return this.kind === 'journal' && this.core.journalCommitted(this.base, seq) !== 0;
  }
  waitKind(): WaitKind {
    return WAIT_KIND_NAMES[this.core.laneWaitKind(this.base)] ?? 'backoff';
  }
}
