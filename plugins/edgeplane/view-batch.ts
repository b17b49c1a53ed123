import type { EgressView } from '../../kernel/plugin-contract.ts';

/**
 * An EgressView's records copied out of the ring slots into one Buffer of their own (one copy of
 * the batch, no copy per record), for egress clients that may keep a payload past the write that
 * handed it over (ioredis resends a timed-out pipeline after a reconnect, nats.js holds publishes
 * until it flushes, ws may queue or compress a frame): the runtime reuses the slots once the
 * write settled, so their payloads must not be the slots. Record i is `record(i)`, a view into
 * the batch's Buffer.
 */
export class CopiedBatch {
  private constructor(
    private readonly bytes: Buffer,
    private readonly starts: Uint32Array,
  ) {}

  static of(view: EgressView): CopiedBatch {
    const n = view.count;
    const mem = bufferOver(view.memory);
    const bytes = Buffer.allocUnsafe(view.bytes);
    const starts = new Uint32Array(n + 1);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const o = view.offset(i);
      const len = view.length(i);
      mem.copy(bytes, at, o, o + len);
      starts[i] = at;
      at += len;
    }
    starts[n] = at;
    return new CopiedBatch(bytes, starts);
  }

  record(i: number): Buffer {
    return this.bytes.subarray(this.starts[i]!, this.starts[i + 1]!);
  }
}

let lastMemory: Uint8Array | null = null;
let lastBuffer: Buffer | null = null;

/** A Buffer over the same bytes as `u8` (an EgressView's memory), kept while the same view comes back. */
function bufferOver(u8: Uint8Array): Buffer {
  if (u8 !== lastMemory) {
    lastMemory = u8;
    lastBuffer = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  return lastBuffer!;
}
