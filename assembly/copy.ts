/**
 * The record copy of the core: a slot's bytes from a source in this memory (an ingress buffer, a
 * staging area, another slot). V8 compiles `memory.copy` to a call out of the compiled code (to a
 * C memmove), a fixed cost larger than copying a 64-byte record; a record-sized copy is therefore
 * done here in eight-byte moves, and only records longer than COPY_INLINE_MAX go to `memory.copy`.
 * The ranges must not overlap (a slot and its source never do). Nothing past `len` is written.
 *
 * A record of 8..64 bytes (`copyWords`) is two runs of moves that may overlap: the first 8, 16
 * or 32 bytes and the last as many, so it takes two compares and straight-line moves whatever its
 * length: no loop, no jump table, no tail case. Every other length (`copyOther`: 0..7 bytes, or
 * more than 64) is a call of its own, so that a caller's loop over records inlines the word path
 * alone. Measured across two cores on the same pair of threads (docs/performance.md, seventh
 * pass), the core's batch write of 64-byte records went from 0.62-0.67x its plain-JS twin to
 * 0.98-1.14x (spin wait, batches of 16 and 256) once its loop had neither a jump table (a
 * `switch` on the number of words, the previous form) nor a call.
 */

/** Longest copy done in eight-byte moves; longer ones call memory.copy. */
export const COPY_INLINE_MAX: u32 = 256;

/** Any length. Inlines the 8..64-byte path; other lengths call `copyOther`. */
// @ts-ignore: decorator
@inline export function copyRecord(dst: usize, src: usize, len: u32): void {
  if (isWordSized(len)) copyWords(dst, src, len);
  else copyOther(dst, src, len);
}

/** 8..64 bytes: the lengths `copyWords` takes. */
// @ts-ignore: decorator
@inline export function isWordSized(len: u32): bool {
  return len - 8 <= 56;
}

/**
 * 8..64 bytes in two runs of moves that may overlap: the first 8, 16 or 32 bytes and the last as
 * many (for 8..16, 17..32 and 33..64 bytes). Bytes in the overlap are written twice, with the
 * same value.
 */
// @ts-ignore: decorator
@inline export function copyWords(dst: usize, src: usize, len: u32): void {
  const back = <usize>len;
  if (len <= 16) {
    store<u64>(dst, load<u64>(src));
    store<u64>(dst + back - 8, load<u64>(src + back - 8));
  } else if (len <= 32) {
    store<u64>(dst, load<u64>(src));
    store<u64>(dst + 8, load<u64>(src + 8));
    const d = dst + back - 16;
    const s = src + back - 16;
    store<u64>(d, load<u64>(s));
    store<u64>(d + 8, load<u64>(s + 8));
  } else {
    copy32(dst, src);
    copy32(dst + back - 32, src + back - 32);
  }
}

/**
 * Any length, for the lengths `copyWords` does not take (0..7 bytes, or more than 64):
 * `memory.copy` above COPY_INLINE_MAX; else 64-byte blocks and then the last 64 bytes (over bytes
 * already copied); else at most two moves. A call of its own (see the file's comment).
 */
export function copyOther(dst: usize, src: usize, len: u32): void {
  if (len > COPY_INLINE_MAX) {
    memory.copy(dst, src, len);
  } else if (len > 64) {
    const last = <usize>len - 64;
    for (let at: usize = 0; at < last; at += 64) {
      copy32(dst + at, src + at);
      copy32(dst + at + 32, src + at + 32);
    }
    copy32(dst + last, src + last);
    copy32(dst + last + 32, src + last + 32);
  } else if (len >= 8) {
    copyWords(dst, src, len);
  } else if (len >= 4) {
    store<u32>(dst, load<u32>(src));
    store<u32>(dst + <usize>(len - 4), load<u32>(src + <usize>(len - 4)));
  } else if (len != 0) {
    // 1..3 bytes: the first, the middle and the last (some the same byte)
    store<u8>(dst, load<u8>(src));
    store<u8>(dst + <usize>(len >> 1), load<u8>(src + <usize>(len >> 1)));
    store<u8>(dst + <usize>(len - 1), load<u8>(src + <usize>(len - 1)));
  }
}

/** 32 bytes in four moves at constant offsets. */
// @ts-ignore: decorator
@inline function copy32(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst + 8, load<u64>(src + 8));
  store<u64>(dst + 16, load<u64>(src + 16));
  store<u64>(dst + 24, load<u64>(src + 24));
}
