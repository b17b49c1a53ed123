/**
 * Typed handle over a doorbells region (assembly/lanes/doorbells.ts): one wake cell per LaneGraph
 * participant that waits for several lanes at once (merge, work-queue router, egress). Lanes ring
 * a doorbell when they publish or a reader releases (LaneHandle.setReaderDoorbell / setWriterDoorbell); the owner
 * sleeps with the wake protocol of assembly/wait.ts: announce (`prepare`), re-check its condition, sleep
 * on the epoch, withdraw (`done`), so a ring between the check and the sleep is never lost.
 */
import { validateRegion } from './region.ts';
import { KIND_DOORBELLS, sizingCore, type CoreExports } from './wasm.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (
  Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t?: number): WaitAsyncResult }
).waitAsync;

/**
 * Condition checks from JS between two `spinDone` calls: a check of several lanes from JS takes
 * about as long as the core's chunk of 64 polls (the chunk its spin budget is sized by).
 */
export const SPIN_POLLS = 4;

/** One doorbell cell. */
export class Doorbell {
  private readonly i32: Int32Array;
  private readonly epochIndex: number;

  constructor(
    private readonly core: CoreExports,
    memory: WebAssembly.Memory,
    readonly addr: number,
  ) {
    this.i32 = new Int32Array(memory.buffer);
    this.epochIndex = (addr + 12) >>> 2;
  }

  /** Announce a possible sleep; returns the epoch to sleep on. Always pair with `done`. */
  prepare(): number {
    return this.core.cellPrepare(this.addr);
  }
  done(): void {
    this.core.cellDone(this.addr);
  }
  /** Worker threads: sleep until rung or `timeoutMs` passes (between prepare and done). */
  sleep(epoch: number, timeoutMs: number): void {
    Atomics.wait(this.i32, this.epochIndex, epoch, timeoutMs);
  }
  /** Main thread: resolve when rung or `timeoutMs` passes (between prepare and done). */
  async sleepAsync(epoch: number, timeoutMs: number): Promise<void> {
    const r = waitAsync(this.i32, this.epochIndex, epoch, timeoutMs);
    if (r.async) await r.value;
  }
  /**
   * A timed spin before sleeping, on the core's spin clock (assembly/wait.ts): `spinStart(budgetNs)`, then
   * `spinDone()` after each SPIN_POLLS polls, true once the budget passed. It reads the clock a few times per
   * wait (every JS clock read allocates); not nested with another timed spin of this thread.
   */
  spinStart(budgetNs: number): void {
    this.core.spinStart(budgetNs);
  }
  spinDone(): boolean {
    return this.core.spinDone() !== 0;
  }
  /** Wake every sleeper (stop requests). */
  ring(): void {
    this.core.cellWake(this.addr);
  }
}

export class DoorbellsHandle {
  constructor(
    private readonly core: CoreExports,
    private readonly memory: WebAssembly.Memory,
    readonly base: number,
    readonly cells: number,
  ) {
    validateRegion(core, base, KIND_DOORBELLS, 'doorbells');
  }

  static bytes(cells: number): number {
    return sizingCore().doorbellsBytes(cells);
  }

  static create(core: CoreExports, memory: WebAssembly.Memory, base: number, cells: number): DoorbellsHandle {
    if (!core.doorbellsInit(base, cells)) {
      throw KernelErrors.error(
        'BYTEOR_E_LAYOUT_INVALID',
        `cannot initialise the doorbells region at ${base} (${cells} cells)`,
      );
    }
    return new DoorbellsHandle(core, memory, base, cells);
  }

  /** Byte offset of cell i. */
  addr(i: number): number {
    const a = this.core.doorbellAddr(this.base, i) >>> 0;
    if (a === 0)
      throw KernelErrors.error(
        'BYTEOR_E_LAYOUT_INVALID',
        `doorbell ${i} is outside the doorbells region (${this.cells} cells)`,
      );
    return a;
  }

  bell(i: number): Doorbell {
    return new Doorbell(this.core, this.memory, this.addr(i));
  }
}
