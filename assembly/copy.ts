/**
 * The record copy of the core: a slot's bytes from a source in this memory (an ingress buffer, a
 * staging area, another slot). V8 compiles `memory.copy` to a call out of the compiled code (to a
 * C memmove), a fixed cost larger than copying a 64-byte record; a record-sized copy is therefore
 * done here in eight-byte moves, and only records longer than COPY_INLINE_MAX go to `memory.copy`.
 * The ranges must not overlap (a slot and its source never do).
 *
 * A record of up to 64 bytes takes one jump on its number of whole eight-byte words (a `switch`:
 * a jump table) into a run of moves at constant offsets from its start; only a length that is
 * not a multiple of eight adds one move at a length-dependent offset, the last eight bytes (over
 * bytes already copied: no byte loop for the tail). A loop over the words, its last move always at
 * a computed address, was measured up to 1.7x slower per record in the producer's batch write
 * than moves at constant offsets (docs/performance.md, sixth pass). Longer records copy 64-byte
 * blocks first (copyLong). Nothing past `len` is written.
 */

/** Longest copy done in eight-byte moves; longer ones call memory.copy. */
export const COPY_INLINE_MAX: u32 = 256;

// @ts-ignore: decorator
@inline export function copyRecord(dst: usize, src: usize, len: u32): void {
  if (len <= 64) copyUpTo64(dst, src, len);
  else copyLong(dst, src, len);
}

/**
 * A record longer than 64 bytes: `memory.copy` above COPY_INLINE_MAX, else 64-byte blocks and
 * the rest. A call of its own (Binaryen does not inline a function with a loop), so that the
 * record-sized path has no loop: with this loop inlined into the batch write, the write of
 * 64-byte records measured 55 M records/s against 69 M without it (docs/performance.md, sixth
 * pass).
 */
function copyLong(dst: usize, src: usize, len: u32): void {
  if (len > COPY_INLINE_MAX) {
    memory.copy(dst, src, len);
    return;
  }
  while (len > 64) {
    store<u64>(dst, load<u64>(src));
    store<u64>(dst + 8, load<u64>(src + 8));
    store<u64>(dst + 16, load<u64>(src + 16));
    store<u64>(dst + 24, load<u64>(src + 24));
    store<u64>(dst + 32, load<u64>(src + 32));
    store<u64>(dst + 40, load<u64>(src + 40));
    store<u64>(dst + 48, load<u64>(src + 48));
    store<u64>(dst + 56, load<u64>(src + 56));
    dst += 64;
    src += 64;
    len -= 64;
  }
  copyUpTo64(dst, src, len);
}

/** 0..64 bytes, without a loop. */
// @ts-ignore: decorator
@inline function copyUpTo64(dst: usize, src: usize, len: u32): void {
  if (len >= 8) {
    // one jump on the number of whole words, then moves at constant offsets (from the last word
    // down: each case falls through to the next)
    switch (len >> 3) {
      case 8: store<u64>(dst + 56, load<u64>(src + 56));
      case 7: store<u64>(dst + 48, load<u64>(src + 48));
      case 6: store<u64>(dst + 40, load<u64>(src + 40));
      case 5: store<u64>(dst + 32, load<u64>(src + 32));
      case 4: store<u64>(dst + 24, load<u64>(src + 24));
      case 3: store<u64>(dst + 16, load<u64>(src + 16));
      case 2: store<u64>(dst + 8, load<u64>(src + 8));
      default: store<u64>(dst, load<u64>(src));
    }
    if ((len & 7) != 0) store<u64>(dst + <usize>(len - 8), load<u64>(src + <usize>(len - 8)));
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
