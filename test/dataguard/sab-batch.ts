import type { RecordBatch, StageContext, StageCounter } from '../../kernel/index.ts';

/**
 * A small real RecordBatch over a SharedArrayBuffer for DataGuard unit tests: slots of a 4-byte
 * little-endian length word (top bit = dropped) followed by `slotBytes` of payload, the same
 * contract the executor gives a stage (rewrite in place up to slotBytes, setLength, drop).
 */
const DROPPED = 0x8000_0000;

export class SabBatch implements RecordBatch {
  readonly memory: Uint8Array;
  private readonly view: DataView;
  private readonly stride: number;
  private readonly base = 64;
  count = 0;
  firstSeq = 0;

  constructor(
    readonly capacity: number,
    readonly slotBytes: number,
  ) {
    this.stride = 4 + slotBytes;
    const sab = new SharedArrayBuffer(this.base + capacity * this.stride);
    this.memory = new Uint8Array(sab);
    this.view = new DataView(sab);
  }

  /** Put `records` in the slots 0..n-1 (refusing any larger than a slot, as the ring does). */
  load(records: readonly Uint8Array[], firstSeq = 0): void {
    if (records.length > this.capacity) throw new Error('more records than slots');
    this.count = records.length;
    this.firstSeq = firstSeq;
    records.forEach((r, i) => {
      if (r.length > this.slotBytes) throw new Error(`record ${i} has ${r.length} bytes, slot holds ${this.slotBytes}`);
      this.view.setUint32(this.base + i * this.stride, r.length, true);
      this.memory.set(r, this.offset(i));
    });
  }

  offset(i: number): number {
    return this.base + i * this.stride + 4;
  }
  private word(i: number): number {
    return this.view.getUint32(this.base + i * this.stride, true);
  }
  length(i: number): number {
    return this.word(i) & ~DROPPED;
  }
  live(i: number): boolean {
    return (this.word(i) & DROPPED) === 0;
  }
  setLength(i: number, n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.slotBytes)
      throw new Error(`setLength(${i}, ${n}) outside 0..${this.slotBytes}`);
    this.view.setUint32(this.base + i * this.stride, n, true);
  }
  drop(i: number): void {
    this.view.setUint32(this.base + i * this.stride, (this.word(i) | DROPPED) >>> 0, true);
  }

  /** Copies of the live records, in order. */
  liveRecords(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.count; i++)
      if (this.live(i)) out.push(this.memory.slice(this.offset(i), this.offset(i) + this.length(i)));
    return out;
  }

  /** For each record: its bytes, or null when dropped. */
  outcome(): Array<Uint8Array | null> {
    return Array.from({ length: this.count }, (_, i) =>
      this.live(i) ? this.memory.slice(this.offset(i), this.offset(i) + this.length(i)) : null,
    );
  }
}

/** A StageCounter kept as the entry `name` of `counters` (from 0), where the test reads it. */
export function mapCounter(counters: Map<string, number>, name: string): StageCounter {
  counters.set(name, 0);
  return {
    add: (n) => {
      counters.set(name, counters.get(name)! + n);
    },
    get value() {
      return counters.get(name)!;
    },
  };
}

/** A StageContext whose counters are plain numbers the test can read. */
export function testStageContext(
  key: string,
  flags: Record<string, unknown>,
  slotBytes: number,
  stageIndex = 0,
): { ctx: StageContext; counters: Map<string, number> } {
  const counters = new Map<string, number>();
  const ctx: StageContext = {
    key,
    argument: '',
    stageIndex,
    shard: 0,
    slotBytes,
    dryRun: false,
    env: {},
    flags,
    counter(name: string): StageCounter {
      if (counters.has(name)) throw new Error(`counter ${name} created twice`);
      return mapCounter(counters, name);
    },
  };
  return { ctx, counters };
}
