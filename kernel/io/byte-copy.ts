/**
 * Copy a byte range between two buffers (a ring slot, an I/O buffer, a DataGuard record or hash
 * block) without creating an object, through DataViews the caller keeps. `Uint8Array.prototype.set`
 * needs a `subarray` (an object per record) to copy part of a buffer, `Buffer.prototype.copy`
 * makes one internally, and into shared memory either costs about what a byte loop does (measured
 * on Node 20: 64 B 70-100 ns with a 4-byte loop, 260-270 ns with set/copy and a collection every
 * ~40 k records).
 *
 * Eight bytes at a time as a float64, which a JS number holds exactly, except a NaN: ECMAScript
 * lets setFloat64 write any NaN encoding for one, so eight bytes that read as a NaN are copied as
 * two int32 instead (the double never leaves `eight`: no heap number). The last eight (four) are
 * copied where the range ends, over bytes already copied: no byte loop for the tail, so the
 * source and destination ranges must not overlap (they never do: different buffers).
 */
export function copyBytes(src: DataView, from: number, dst: DataView, to: number, len: number): void {
  if (len < 8) {
    if (len < 4) for (let i = 0; i < len; i++) dst.setUint8(to + i, src.getUint8(from + i));
    else {
      // two int32, the second where the bytes end (overlapping the first when len < 8)
      dst.setInt32(to, src.getInt32(from, true), true);
      dst.setInt32(to + len - 4, src.getInt32(from + len - 4, true), true);
    }
    return;
  }
  for (let i = 0; i + 8 < len; i += 8) eight(src, from + i, dst, to + i);
  eight(src, from + len - 8, dst, to + len - 8);
}

function eight(src: DataView, from: number, dst: DataView, to: number): void {
  const d = src.getFloat64(from, true);
  if (!Number.isNaN(d)) dst.setFloat64(to, d, true);
  else {
    dst.setInt32(to, src.getInt32(from, true), true);
    dst.setInt32(to + 4, src.getInt32(from + 4, true), true);
  }
}

/** A DataView over exactly the bytes of `u8`. */
export function dataViewOf(u8: Uint8Array): DataView {
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}

/**
 * The DataView of the last array asked about, and that array's `byteOffset`, kept while the same
 * array comes back (a chunk copied record by record, the shared memory an egress view lends):
 * `dataViewOf` makes an object, and on Node 20 a typed array's `buffer`, `byteOffset` and
 * `byteLength` getters are runtime calls.
 */
export class LastView {
  private last: Uint8Array | null = null;
  private view: DataView | null = null;
  /** `byteOffset` of the last array */
  offset = 0;

  of(u8: Uint8Array): DataView {
    if (u8 !== this.last) {
      this.last = u8;
      this.view = dataViewOf(u8);
      this.offset = u8.byteOffset;
    }
    return this.view!;
  }
}
