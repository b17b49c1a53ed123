/**
 * The RecordBatch a stage handler receives: one reused object per worker, re-pointed at each
 * batch of slots (no allocation per batch or per message). A dropped record is the high bit of
 * its slot's length word, so later stages and egress see the drop without any side table.
 */
import type { RecordBatch } from '../plugin-contract.ts';
import { SLOT_HEADER, DROPPED_BIT, LENGTH_MASK, type RingHandle } from '../core/ring.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/** The slot geometry a batch reads: a ring's, or a LaneGraph lane's (kernel/core/lane.ts, same slot format). */
export type SlotGeometry = Pick<RingHandle, 'u8' | 'u32' | 'slotBytes' | 'slotsBase' | 'mask' | 'stride'>;

export class SlotBatch implements RecordBatch {
  readonly memory: Uint8Array;
  readonly slotBytes: number;
  count = 0;
  firstSeq = 0;
  private readonly u32: Uint32Array;
  private readonly slotsBase: number;
  private readonly mask: number;
  private readonly stride: number;

  constructor(ring: SlotGeometry) {
    this.memory = ring.u8;
    this.u32 = ring.u32;
    this.slotBytes = ring.slotBytes;
    this.slotsBase = ring.slotsBase;
    this.mask = ring.mask;
    this.stride = ring.stride;
  }

  /** Point the batch at `count` slots starting with sequence `firstSeq`. */
  reset(firstSeq: number, count: number): this {
    this.firstSeq = firstSeq;
    this.count = count;
    return this;
  }

  private word(i: number): number {
    return (this.slotsBase + ((this.firstSeq + i) & this.mask) * this.stride) >>> 2;
  }

  offset(i: number): number {
    return this.slotsBase + ((this.firstSeq + i) & this.mask) * this.stride + SLOT_HEADER;
  }
  length(i: number): number {
    return this.u32[this.word(i)]! & LENGTH_MASK;
  }
  live(i: number): boolean {
    return (this.u32[this.word(i)]! & DROPPED_BIT) === 0;
  }

  setLength(i: number, n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n <= this.slotBytes)) {
      throw KernelErrors.error(
        'BYTEOR_E_RECORD_TOO_LARGE',
        `a stage set record ${this.firstSeq + i} to ${n} bytes, but slots hold 0..${this.slotBytes} ` +
          `(single_ring.slot_bytes); records are never truncated`,
        { sequence: this.firstSeq + i },
      );
    }
    const w = this.word(i);
    this.u32[w] = (this.u32[w]! & DROPPED_BIT) | n;
  }

  drop(i: number): void {
    const w = this.word(i);
    this.u32[w] = this.u32[w]! | DROPPED_BIT;
  }
}
