/**
 * Copy bytes between DataViews (of Buffers, the ring's shared memory, the hash module's memory)
 * without making a view per copy: a typed-array copy of a range needs a subarray, one object per
 * call, and into shared memory it costs about what a byte loop does.
 *
 * Eight bytes at a time as a float64, which a JS number holds exactly, except a NaN: ECMAScript
 * lets setFloat64 write any NaN encoding for one, so eight bytes that read as a NaN are copied
 * as two int32 instead. The double never leaves this loop (no heap number).
 */
export function copyView(dst: DataView, at: number, src: DataView, start: number, n: number): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const d = src.getFloat64(start + i, true);
    if (!Number.isNaN(d)) dst.setFloat64(at + i, d, true);
    else {
      dst.setInt32(at + i, src.getInt32(start + i, true), true);
      dst.setInt32(at + i + 4, src.getInt32(start + i + 4, true), true);
    }
  }
  if (i + 4 <= n) {
    dst.setInt32(at + i, src.getInt32(start + i, true), true);
    i += 4;
  }
  for (; i < n; i++) dst.setUint8(at + i, src.getUint8(start + i));
}
