/**
 * The records a bench sends: a power-of-two pool of prepared byte views, cycled by record
 * index, so the sending loop allocates nothing per record.
 *
 * Synthetic records are `payload` bytes: an 8-byte decimal key (`k` + 7 digits, different
 * per record, so a `prefix:8` shard key spreads them over the shards) followed by lower-case
 * letters. Their bytes are also laid out back to back (`contiguous`) for peers that move a
 * batch as one block.
 */

export class PayloadPool {
  readonly mask: number;
  readonly maxBytes: number;
  readonly minBytes: number;

  constructor(
    readonly records: readonly Uint8Array[],
    /** all records back to back when they are of one size, else null */
    readonly contiguous: Uint8Array | null,
    readonly shape: string,
  ) {
    if (records.length === 0 || (records.length & (records.length - 1)) !== 0)
      throw new Error('a payload pool holds a power of two of records');
    this.mask = records.length - 1;
    this.maxBytes = records.reduce((m, r) => Math.max(m, r.length), 0);
    this.minBytes = records.reduce((m, r) => Math.min(m, r.length), Infinity);
  }

  at(i: number): Uint8Array {
    return this.records[i & this.mask]!;
  }
}

export const POOL_RECORDS = 256;

export function syntheticPayloads(bytes: number, count = POOL_RECORDS): PayloadPool {
  const all = new Uint8Array(bytes * count);
  const records: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const r = all.subarray(i * bytes, (i + 1) * bytes);
    const key = `k${String((i * 2654435761) % 10_000_000).padStart(7, '0')}`;
    for (let j = 0; j < bytes; j++) r[j] = j < 8 ? key.charCodeAt(j) : 97 + ((i + j) % 26);
    records.push(r);
  }
  return new PayloadPool(
    records,
    all,
    `${bytes} B: 8-byte decimal key + lower-case letters, ${count} distinct records cycled`,
  );
}

/** A pool of given records (cycled to a power of two). */
export function recordPool(source: readonly Uint8Array[], shape: string, count = POOL_RECORDS): PayloadPool {
  if (source.length === 0) throw new Error('recordPool needs records');
  return new PayloadPool(
    Array.from({ length: count }, (_, i) => source[i % source.length]!),
    null,
    shape,
  );
}

/** Copy records [first, first + n) of a fixed-size pool into one new block (a peer's message). */
export function batchBytes(pool: PayloadPool, first: number, n: number): Uint8Array {
  const all = pool.contiguous;
  if (!all) throw new Error('batchBytes needs a pool of fixed-size records');
  const record = pool.maxBytes;
  const out = new Uint8Array(n * record);
  let off = (first * record) % all.length;
  for (let at = 0; at < out.length; ) {
    const piece = Math.min(out.length - at, all.length - off);
    out.set(all.subarray(off, off + piece), at);
    at += piece;
    off = (off + piece) % all.length;
  }
  return out;
}
