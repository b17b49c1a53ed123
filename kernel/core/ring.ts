/**
 * Typed handle over a SingleRing region (assembly/ring.ts): the executor, the run verb, tests
 * and benchmarks use this, never the raw exports. Per-message methods are allocation-free;
 * sequences are numbers (exact below 2^53), never BigInt (docs/platform-notes.md G6).
 *
 * Blocking waits (`claim`, `waitFor`) sleep inside the core and are for worker threads. The main
 * thread uses the non-blocking forms plus `waitForSpace` / `waitForAvailable`, which spin for a
 * short budget and then await `Atomics.waitAsync` on the cell's epoch word, so the event loop
 * (control socket, signals, adapters) stays responsive while the pipeline is full or idle.
 */
import { validateRegion } from './region.ts';
import { KIND_SINGLE_RING, type CoreExports } from './wasm.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export const MAX_STAGES = 4;
/** The egress reader's consumer cell (after the four stage cells). */
export const EGRESS_CELL = 4;
export const CELL_COUNT = 5;
/** Slot header bytes before the payload: len u32 (bit 31 = dropped) + reserved u32. */
export const SLOT_HEADER = 8;
export const DROPPED_BIT = 0x80000000;
export const LENGTH_MASK = 0x7fffffff;

export const WAIT_KINDS = { spin: 0, backoff: 1, block: 2 } as const;
export type WaitKind = keyof typeof WAIT_KINDS;
/** The names of WAIT_KINDS by number (a wait kind read from the core is named without allocating). */
export const WAIT_KIND_NAMES: readonly WaitKind[] = ['spin', 'backoff', 'block'];
/**
 * Wakes a worker's timed sleep (`waitForWithin`) may take without its target before it returns
 * below target: a consumer of several cells is woken by each of them (a join after a diamond),
 * and a wake is not progress. Each sleep is at most the slice, so this bounds the wait.
 */
const SLICE_WAKES = 8;
/** Default spin budget of `backoff` before it yields and sleeps. */
export const DEFAULT_SPIN_NS = 20_000;
/** How long the main thread spins before it awaits an async wake. */
export const MAIN_THREAD_SPIN_NS = 5_000;
/** Safety timeout of one async wait (wakes come from the writer; this only bounds a lost one). */
const ASYNC_WAIT_TIMEOUT_MS = 1_000;
/**
 * Timeout of an async wait on a stage's cell while that stage (or one before it) has records in
 * hand: a busy stage wakes its sleepers once per run of batches, not per batch (ringReleaseQuiet,
 * kernel/exec/stage-worker.ts), so a waiter behind a slow synchronous handler looks again this
 * often on its own.
 */
const BUSY_WAIT_TIMEOUT_MS = 1;

/** `Atomics.waitAsync` (Node 16+, Deno; typed here because the project's TS lib is ES2022). */
type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (
  Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t?: number): WaitAsyncResult }
).waitAsync;

export const HALT_RUNNING = 0;
export const HALT_ENDING = 1;
export const HALT_ABORTED = 2;

export interface RingInit {
  capacity: number;
  slotBytes: number;
  /** per stage, the indices of the stages it waits for (empty = waits for the producer cursor) */
  deps: ReadonlyArray<ReadonlyArray<number>>;
  /** add the egress reader cell; the producer then gates on it instead of the terminal stages */
  egress: boolean;
  wait: WaitKind;
  /** spin budget of backoff in ns (default DEFAULT_SPIN_NS; `spin` ignores it, `block` uses 0) */
  spinNs?: number;
  /** first sequence (default 0) */
  startSeq?: number;
}

export class RingHandle {
  readonly capacity: number;
  readonly slotBytes: number;
  readonly stride: number;
  readonly stageCount: number;
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
    what = 'ring',
    waitMs = 0,
  ) {
    validateRegion(core, base, KIND_SINGLE_RING, what, waitMs);
    this.capacity = core.ringCapacity(base) >>> 0;
    this.slotBytes = core.ringSlotBytes(base) >>> 0;
    this.stride = core.ringStride(base) >>> 0;
    this.stageCount = core.ringStageCount(base);
    this.slotsBase = base + (core.ringSlotsOffset(base) >>> 0);
    this.mask = this.capacity - 1;
    this.u8 = new Uint8Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  /** Initialise a ring region at `base` and return its handle. */
  static create(
    core: CoreExports,
    memory: WebAssembly.Memory,
    base: number,
    init: RingInit,
    what = 'ring',
  ): RingHandle {
    const n = init.deps.length;
    if (n < 1 || n > MAX_STAGES)
      throw KernelErrors.error('BYTEOR_E_LAYOUT_INVALID', `a ring has 1..${MAX_STAGES} stages, got ${n}`);
    let deps = 0;
    init.deps.forEach((list, i) => {
      for (const d of list) {
        if (!(d >= 0 && d < i))
          throw KernelErrors.error(
            'BYTEOR_E_LAYOUT_INVALID',
            `stage ${i} depends on ${d}, which is not an earlier stage`,
          );
        deps |= 1 << (i * 4 + d);
      }
    });
    const wait = WAIT_KINDS[init.wait];
    const spinNs =
      init.wait === 'block' ? 0 : Math.max(0, Math.min(0xffffffff, Math.round(init.spinNs ?? DEFAULT_SPIN_NS)));
    const start = init.startSeq ?? 0;
    if (!Number.isSafeInteger(start) || start < 0 || start > 2 ** 52)
      throw KernelErrors.error('BYTEOR_E_LAYOUT_INVALID', `start sequence ${start} is not an integer in 0..2^52`);
    if (!core.ringInit(base, init.capacity, init.slotBytes, n, deps, init.egress ? 1 : 0, wait, spinNs, start)) {
      throw KernelErrors.error(
        'BYTEOR_E_LAYOUT_INVALID',
        `cannot initialise ${what} at offset ${base}: capacity must be a power of two in 2..2^24 and slot_bytes ` +
          `in 1..2^20, and the region must be fresh`,
      );
    }
    return new RingHandle(core, memory, base, what);
  }

  // -- slots ----------------------------------------------------------------------------------
  /** Offset of the len word of the slot holding `seq` (payload follows at + SLOT_HEADER). */
  slotOffset(seq: number): number {
    return this.slotsBase + (seq & this.mask) * this.stride;
  }
  payloadOffset(seq: number): number {
    return this.slotsBase + (seq & this.mask) * this.stride + SLOT_HEADER;
  }
  length(seq: number): number {
    return this.u32[(this.slotsBase + (seq & this.mask) * this.stride) >>> 2]! & LENGTH_MASK;
  }
  dropped(seq: number): boolean {
    return (this.u32[(this.slotsBase + (seq & this.mask) * this.stride) >>> 2]! & DROPPED_BIT) !== 0;
  }

  /** Copy a record into the slot of a claimed `seq`; the caller checked `bytes.length <= slotBytes`. */
  write(seq: number, bytes: Uint8Array): void {
    const off = this.slotsBase + (seq & this.mask) * this.stride;
    this.u8.set(bytes, off + SLOT_HEADER);
    this.u32[off >>> 2] = bytes.length;
  }

  /**
   * Claim up to n slots without blocking and copy record i into them from `src + spans[2i] ..
   * src + spans[2i + 1]` (u32 pairs at address `spans`; both in this memory): one core call for
   * the whole batch. Stops before a record longer than slot_bytes and when the ring is full;
   * returns how many were placed, from `next()` on. Publishes nothing.
   */
  tryWriteSpans(src: number, spans: number, n: number): number {
    return this.core.ringTryWriteSpans(this.base, src, spans, n);
  }

  /**
   * Claim one slot without blocking and copy the `len` bytes at `src` (in this memory; len at
   * most slot_bytes) into it, in one core call. Returns 1, or 0 when the ring is full. Publishes nothing.
   */
  tryWriteOne(src: number, len: number): number {
    return this.core.ringTryWriteOne(this.base, src, len);
  }

  /**
   * The blocking form of `tryWriteSpans`, for a producer on a worker: claim the slots of the
   * records that fit slot_bytes from the start of the batch (at most `capacity`), waiting per the
   * ring's strategy while it is full, copy them in and publish them, in one core call. Returns how
   * many were written (fewer than n: record n is longer than slot_bytes; refuse it and go on past
   * it), or -1 when the ring aborted while it waited.
   */
  writeSpans(src: number, spans: number, n: number): number {
    return this.core.ringWriteSpans(this.base, src, spans, n);
  }

  // -- producer -------------------------------------------------------------------------------
  next(): number {
    return this.core.ringNext(this.base);
  }
  /** Slots that could be claimed now without waiting. */
  free(): number {
    return this.core.ringFree(this.base);
  }
  /** Claim up to n slots now; returns how many (0 = full). They start at the `next()` before. */
  tryClaim(n: number): number {
    return this.core.ringTryClaim(this.base, n);
  }
  /**
   * Claim exactly n slots, sleeping per the wait strategy while full (workers only); returns the first claimed
   * sequence, -1 = aborted.
   */
  claim(n: number): number {
    return this.core.ringClaim(this.base, n);
  }
  /** Could `n` slots be claimed now (or did the ring abort, so that waiting is over)? Claims nothing. */
  hasRoom(n: number): boolean {
    return this.core.ringProducerWaitCell(this.base, n) === 0;
  }
  /** Publish every claimed slot; returns the new cursor. */
  publish(): number {
    return this.core.ringPublish(this.base);
  }

  /**
   * Resolve once `n` slots could be claimed (or the ring aborted). Spins briefly, then awaits
   * an async wake, so the calling (main) thread keeps serving its event loop.
   */
  async waitForSpace(n: number): Promise<void> {
    const core = this.core;
    const base = this.base;
    const until = core.clockNs() + MAIN_THREAD_SPIN_NS;
    while (core.ringProducerWaitCell(base, n) !== 0 && core.clockNs() < until) {
      /* brief spin */
    }
    for (;;) {
      const cell = core.ringProducerWaitCell(base, n) >>> 0;
      if (cell === 0) return;
      const epoch = core.cellPrepare(cell);
      try {
        if (core.ringProducerWaitCell(base, n) >>> 0 === 0) return;
        const r = waitAsync(this.i32, (cell + 12) >>> 2, epoch, ASYNC_WAIT_TIMEOUT_MS);
        if (r.async) await r.value;
      } finally {
        core.cellDone(cell);
      }
    }
  }

  // -- consumers ------------------------------------------------------------------------------
  /** Block until cell `c` may process `target`; returns the highest such sequence, or < target at end/abort. */
  waitFor(c: number, target: number): number {
    return this.core.ringWaitFor(this.base, c, target);
  }
  /** Non-blocking waitFor. */
  available(c: number, target: number): number {
    return this.core.ringAvailable(this.base, c, target);
  }
  release(c: number, seq: number): void {
    this.core.ringRelease(this.base, c, seq);
  }
  /**
   * `release` without waking sleepers (pollers see it at once); the caller calls `wakeWaiters`
   * before it waits, awaits or stops (a stage between back-to-back batches: kernel/exec/stage-worker.ts).
   */
  releaseQuiet(c: number, seq: number): void {
    this.core.ringReleaseQuiet(this.base, c, seq);
  }
  /** Wake whoever sleeps on cell `c` (after `releaseQuiet`). */
  wakeWaiters(c: number): void {
    this.core.ringWakeWaiters(this.base, c);
  }

  /**
   * Worker form of `waitFor` that gives up after about `sliceMs`, so the worker can turn its event
   * loop (the stage's timers, promises and I/O) between slices: per the ring's strategy it spins
   * (`spin`: the whole slice; `backoff`: its spin budget) and then sleeps on the cell it waits for
   * (`backoff`, `block`), woken by the writer as `waitFor` is. Returns as `available` does; a value
   * below target is the end, an abort (`stopped`) or a slice that ran out. A wake that did not
   * bring the target (another cell of a join moved) sleeps again, up to SLICE_WAKES times: the
   * worker's idle path (a turn of its event loop, which allocates) is for time without progress,
   * not for each wake (a join stage took 3 000 of them a second).
   */
  waitForWithin(c: number, target: number, sliceMs: number): number {
    const core = this.core;
    const base = this.base;
    const kind = core.ringWaitKind(base);
    const spin =
      kind === WAIT_KINDS.spin ? sliceMs * 1e6 : kind === WAIT_KINDS.backoff ? core.ringSpinNs(base) >>> 0 : 0;
    let v = core.ringSpinFor(base, c, target, spin);
    if (v >= target || kind === WAIT_KINDS.spin) return v;
    for (let wakes = 0; wakes < SLICE_WAKES; wakes++) {
      const cell = core.ringConsumerWaitCell(base, c, target) >>> 0;
      if (cell === 0) return core.ringAvailable(base, c, target);
      const epoch = core.cellPrepare(cell);
      let slept = 'not-equal';
      try {
        if (core.ringConsumerWaitCell(base, c, target) >>> 0 === cell)
          slept = Atomics.wait(this.i32, (cell + 12) >>> 2, epoch, sliceMs);
      } finally {
        core.cellDone(cell);
      }
      v = core.ringAvailable(base, c, target);
      if (v >= target || slept === 'timed-out') return v;
    }
    return v;
  }

  /**
   * How long an async wait on `cell` may sleep before it looks again: BUSY_WAIT_TIMEOUT_MS when it
   * is a stage's cell and the cursor is past it (records published that the stage has not
   * released: it, or a stage before it, is busy and may wake late), else ASYNC_WAIT_TIMEOUT_MS.
   * The cell's 64-bit value is read as two words: a torn read only picks the other timeout.
   */
  private asyncWaitTimeout(cell: number): number {
    if (cell === this.core.ringCursorAddr(this.base) >>> 0) return ASYNC_WAIT_TIMEOUT_MS;
    const w = cell >>> 2;
    const released = Atomics.load(this.i32, w + 1) * 4294967296 + (Atomics.load(this.i32, w) >>> 0);
    return this.core.ringCursor(this.base) > released ? BUSY_WAIT_TIMEOUT_MS : ASYNC_WAIT_TIMEOUT_MS;
  }

  /**
   * Will cell `c` never get `target` (the ring ended before it, or aborted)? The wait cell first:
   * it is also 0 when `target` just became available, which the availability read after it shows.
   */
  stopped(c: number, target: number): boolean {
    return (
      this.core.ringConsumerWaitCell(this.base, c, target) === 0 &&
      this.core.ringAvailable(this.base, c, target) < target
    );
  }

  /**
   * The main thread's brief spin for `target` on cell `c`, alone (`waitForAvailable` begins with
   * it): the highest sequence `c` may process, below target when it did not come within
   * MAIN_THREAD_SPIN_NS (or the ring ended before it, or aborted). A caller that spins first
   * awaits only when it must: an await allocates (promises, a suspended frame), a spin does not.
   */
  spinForAvailable(c: number, target: number): number {
    return this.core.ringSpinFor(this.base, c, target, MAIN_THREAD_SPIN_NS);
  }

  /**
   * Resolve with the highest sequence cell `c` may process once it reaches `target`, or a value
   * below target when the ring ended before it or aborted. Main-thread form of `waitFor`.
   * `spun`: the caller just spun (`spinForAvailable`), so it goes straight to the async wait.
   */
  async waitForAvailable(c: number, target: number, spun = false): Promise<number> {
    const core = this.core;
    const base = this.base;
    let v = spun ? core.ringAvailable(base, c, target) : core.ringSpinFor(base, c, target, MAIN_THREAD_SPIN_NS);
    while (v < target) {
      const cell = core.ringConsumerWaitCell(base, c, target) >>> 0;
      if (cell === 0) return core.ringAvailable(base, c, target);
      const epoch = core.cellPrepare(cell);
      try {
        if (core.ringConsumerWaitCell(base, c, target) >>> 0 === cell) {
          const r = waitAsync(this.i32, (cell + 12) >>> 2, epoch, this.asyncWaitTimeout(cell));
          if (r.async) await r.value;
        }
      } finally {
        core.cellDone(cell);
      }
      v = core.ringAvailable(base, c, target);
    }
    return v;
  }

  // -- lifecycle and observation --------------------------------------------------------------
  /** No more records: publish what is claimed, mark the end, wake every sleeper. */
  end(): number {
    return this.core.ringEnd(this.base);
  }
  /** Stop now; the first abort records `who` (a cell, or an id >= CELL_COUNT) and `seq`. */
  abort(who: number, seq: number): boolean {
    return this.core.ringAbort(this.base, who, seq) !== 0;
  }
  halt(): number {
    return this.core.ringHalt(this.base);
  }
  endSeq(): number {
    return this.core.ringEndSeq(this.base);
  }
  failure(): { who: number; seq: number } | null {
    const who = this.core.ringFailCell(this.base);
    return who < 0 ? null : { who, seq: this.core.ringFailSeq(this.base) };
  }
  cursor(): number {
    return this.core.ringCursor(this.base);
  }
  cellSeq(c: number): number {
    return this.core.ringCellSeq(this.base, c);
  }
  minGating(): number {
    return this.core.ringMinGating(this.base);
  }
  gatingMask(): number {
    return this.core.ringGatingMask(this.base) >>> 0;
  }
  deps(c: number): number {
    return this.core.ringDeps(this.base, c) >>> 0;
  }
  waitKind(): WaitKind {
    return WAIT_KIND_NAMES[this.core.ringWaitKind(this.base)] ?? 'backoff';
  }
  spinNs(): number {
    return this.core.ringSpinNs(this.base) >>> 0;
  }
  setWait(kind: WaitKind, spinNs = DEFAULT_SPIN_NS): void {
    this.core.ringSetWait(this.base, WAIT_KINDS[kind], kind === 'block' ? 0 : spinNs);
  }
}
