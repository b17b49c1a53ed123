/**
 * Copy a byte range between two buffers (a ring slot and an I/O buffer) without creating an
 * object: 4-byte little-endian moves through DataViews the caller keeps, then the tail bytes.
 * `Uint8Array.prototype.set` needs a `subarray` (an object per record) to copy part of a
 * buffer, and `Buffer.prototype.copy` makes one internally; for the records of a ring
 * (up to slot_bytes) this loop is as fast (measured on Node 20: 64 B 70-100 ns with the
 * loop, 260-270 ns with set/copy and a collection every ~40 k records).
 */
export function copyBytes(src: DataView, from: number, dst: DataView, to: number, len: number): void {
  const end4 = from + len - 3;
  let s = from;
  let d = to;
  for (; s < end4; s += 4, d += 4) dst.setInt32(d, src.getInt32(s, true), true);
  const end = from + len;
  for (; s < end; s++, d++) dst.setUint8(d, src.getUint8(s));
}

/** A DataView over exactly the bytes of `u8`. */
export function dataViewOf(u8: Uint8Array): DataView {
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}
