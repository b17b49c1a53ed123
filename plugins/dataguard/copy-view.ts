/**
 * Copy bytes between DataViews (of Buffers, the ring's shared memory, the hash module's memory)
 * without making a view per copy: a typed-array copy of a range needs a subarray, one object per
 * call, and into shared memory it costs about what a byte loop does.
 *
 * Eight bytes at a time as a float64, which a JS number holds exactly, except a NaN: ECMAScript
 * lets setFloat64 write any NaN encoding for one, so eight bytes that read as a NaN are copied
 * as two int32 instead. The double never leaves `eight` (no heap number). The source and the
 * destination ranges must not overlap (a tail is copied again over bytes already copied).
 */
export function copyView(dst: DataView, at: number, src: DataView, start: number, n: number): void {
  if (n < 8) {
    if (n < 4) for (let i = 0; i < n; i++) dst.setUint8(at + i, src.getUint8(start + i));
    else {
      // two int32, the second where the bytes end (overlapping the first when n < 8)
      dst.setInt32(at, src.getInt32(start, true), true);
      dst.setInt32(at + n - 4, src.getInt32(start + n - 4, true), true);
    }
    return;
  }
  for (let i = 0; i + 8 < n; i += 8) eight(dst, at + i, src, start + i);
  // the last eight where the bytes end, overlapping the ones before: no byte loop for the tail
  eight(dst, at + n - 8, src, start + n - 8);
}

function eight(dst: DataView, at: number, src: DataView, start: number): void {
  const d = src.getFloat64(start, true);
  if (!Number.isNaN(d)) dst.setFloat64(at, d, true);
  else {
    dst.setInt32(at, src.getInt32(start, true), true);
    dst.setInt32(at + 4, src.getInt32(start + 4, true), true);
  }
}
