/**
 * Test support (not a test file): a real RecordBatch over a SharedArrayBuffer, laid out like a
 * ring of fixed-size slots (a 4-byte length word + payload; a dropped record has the top bit of
 * its length word set), and a StageContext whose counters live in shared memory. It lets the
 * ActionGraph handlers be exercised without the executor.
 */
import type { RecordBatch, StageContext, StageCounter } from '../../kernel/index.ts';

const DROPPED = 0x8000_0000;

export class SabRecordBatch implements RecordBatch {
  readonly memory: Uint8Array;
  readonly count: number;
  readonly firstSeq: number;
  readonly slotBytes: number;
  private readonly words: Int32Array;
  private readonly stride: number;

  constructor(records: ReadonlyArray<Uint8Array | string>, opts: { slotBytes?: number; firstSeq?: number } = {}) {
    this.slotBytes = opts.slotBytes ?? 256;
    this.firstSeq = opts.firstSeq ?? 0;
    this.count = records.length;
    this.stride = 4 + this.slotBytes;
    const sab = new SharedArrayBuffer(this.stride * Math.max(1, records.length));
    this.memory = new Uint8Array(sab);
    this.words = new Int32Array(sab);
    const enc = new TextEncoder();
    records.forEach((r, i) => {
      const bytes = typeof r === 'string' ? enc.encode(r) : r;
      if (bytes.length > this.slotBytes) throw new Error(`record ${i} is larger than a slot`);
      this.memory.set(bytes, this.offset(i));
      this.setLength(i, bytes.length);
    });
  }

  offset(i: number): number {
    return i * this.stride + 4;
  }
  length(i: number): number {
    return (this.words[(i * this.stride) / 4]! >>> 0) & ~DROPPED;
  }
  live(i: number): boolean {
    return ((this.words[(i * this.stride) / 4]! >>> 0) & DROPPED) === 0;
  }
  setLength(i: number, n: number): void {
    Atomics.store(this.words, (i * this.stride) / 4, n);
  }
  drop(i: number): void {
    Atomics.or(this.words, (i * this.stride) / 4, DROPPED | 0);
  }

  text(i: number): string {
    return new TextDecoder().decode(this.memory.slice(this.offset(i), this.offset(i) + this.length(i)));
  }
}

/** A StageContext for one handler; counters are Float64 cells in a SharedArrayBuffer. */
export function stageContext(
  key: string,
  opts: { prefix: string; dryRun?: boolean; env?: Record<string, string | undefined> },
): StageContext & { counters: Map<string, StageCounter> } {
  const counters = new Map<string, StageCounter>();
  const cells = new Float64Array(new SharedArrayBuffer(8 * 16));
  return {
    key,
    argument: key.slice(opts.prefix.length),
    stageIndex: 0,
    shard: 0,
    slotBytes: 256,
    dryRun: opts.dryRun ?? false,
    env: opts.env ?? {},
    flags: {},
    counters,
    counter(name: string): StageCounter {
      const existing = counters.get(name);
      if (existing) return existing;
      const index = counters.size;
      const c: StageCounter = {
        add(n) {
          cells[index] = cells[index]! + n;
        },
        get value() {
          return cells[index]!;
        },
      };
      counters.set(name, c);
      return c;
    },
  };
}

export function counterValues(ctx: { counters: Map<string, StageCounter> }): Record<string, number> {
  return Object.fromEntries([...ctx.counters].map(([k, c]) => [k, c.value]));
}
