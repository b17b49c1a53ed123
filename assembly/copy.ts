/**
 * The record copy of the core: a slot's bytes from a source in this memory (an ingress buffer, a
 * staging area, another slot). V8 compiles `memory.copy` to a call out of the compiled code (to a
 * C memmove), a fixed cost larger than copying a 64-byte record; a record-sized copy is therefore
 * done here, eight bytes at a time, the last eight where the bytes end (over bytes already
 * copied: no byte loop for the tail), and only longer ones go to `memory.copy`. The ranges must
 * not overlap (a slot and its source never do).
 */

/** Longest copy done in eight-byte moves; longer ones call memory.copy. */
export const COPY_INLINE_MAX: u32 = 256;

// @ts-ignore: decorator
@inline export function copyRecord(dst: usize, src: usize, len: u32): void {
  if (len > COPY_INLINE_MAX) {
    memory.copy(dst, src, len);
  } else if (len >= 8) {
    const last = <usize>(len - 8);
    for (let i: usize = 0; i < last; i += 8) store<u64>(dst + i, load<u64>(src + i));
    store<u64>(dst + last, load<u64>(src + last));
  } else if (len >= 4) {
    store<u32>(dst, load<u32>(src));
    store<u32>(dst + <usize>(len - 4), load<u32>(src + <usize>(len - 4)));
  } else {
    for (let i: u32 = 0; i < len; i++) store<u8>(dst + <usize>i, load<u8>(src + <usize>i));
  }
}
