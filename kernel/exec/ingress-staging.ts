/**
 * The producer's staging area: a region of the runtime's shared memory that the batch write of
 * the core (`ringTryWriteSpans`, assembly/ring.ts) copies records from. An ingress chunk that
 * is not in the shared memory already is copied here once per `pushSpans` call (one
 * `TypedArray.set`, memcpy speed), with its spans; the core then claims the slots and copies
 * every record into its slot with `memory.copy` in one call, instead of one JS copy loop per
 * record (64 B: ~100 ns with the DataView loop, ~3 ns per record staged and copied in the core).
 *
 * Layout (offsets from the region base):
 *      0  record bytes: STAGING_BYTES
 *   +STAGING_BYTES  spans: STAGING_SPANS pairs of u32 [start, end)
 *
 * A chunk larger than STAGING_BYTES, or more spans than STAGING_SPANS pairs, takes the
 * producer's per-record path (correct, slower); the line ingress reads 64 KiB chunks and
 * pushes at most 1024 spans at once.
 */
import { copyBytes } from '../io/byte-copy.ts';
import { SharedOffset } from './shared-offset.ts';

export const STAGING_BYTES = 256 * 1024;
export const STAGING_SPANS = 4096;
/** Ranges up to this many bytes are staged by a word loop (no object) rather than set(subarray). */
const SMALL_RANGE = 1024;
/** Up to this many spans are staged by a loop rather than a set of the caller's whole array. */
const SMALL_SPANS = 64;

export class IngressStaging {
  /** bytes of the region to carve */
  static readonly bytes = STAGING_BYTES + STAGING_SPANS * 8;
  readonly bytesOffset: number;
  readonly spansOffset: number;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  private readonly view: DataView;
  /** where a chunk, and a spans array, already in the shared memory start there (asked per call) */
  private readonly sharedBytes: SharedOffset;
  private readonly sharedSpans: SharedOffset;

  constructor(
    memory: WebAssembly.Memory,
    readonly base: number,
  ) {
    this.view = new DataView(memory.buffer);
    this.bytesOffset = base;
    this.spansOffset = base + STAGING_BYTES;
    this.u8 = new Uint8Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.sharedBytes = new SharedOffset(this.u8.buffer);
    this.sharedSpans = new SharedOffset(this.u8.buffer);
  }

  /**
   * Make `bytes[lo, hi)` readable by the core; returns the address that span offsets (relative
   * to the start of `bytes`) are added to, or -1 when the range does not fit. A range in the
   * shared memory already is used in place. The address is an i32 that may wrap below zero:
   * the core adds span offsets to it in 32-bit arithmetic.
   */
  stageBytes(bytes: Uint8Array, lo: number, hi: number, view: DataView | null = null): number {
    // a chunk in the shared memory already is read in place; a small one (a pushed record) is
    // copied without asking: `.buffer` of a small on-heap typed array creates its ArrayBuffer
    if (bytes.length > SMALL_RANGE) {
      const at = this.sharedBytes.of(bytes);
      if (at >= 0) return at;
    }
    if (hi - lo > STAGING_BYTES) return -1;
    if (bytes.length <= STAGING_BYTES && (hi - lo) * 2 >= bytes.length) {
      this.u8.set(bytes, this.bytesOffset); // the whole view: no subarray object
      return this.bytesOffset;
    }
    if (view !== null && hi - lo <= SMALL_RANGE) {
      // a record or a few (one publish per record): a word loop, no subarray object
      copyBytes(view, lo, this.view, this.bytesOffset, hi - lo);
    } else {
      this.u8.set(bytes.subarray(lo, hi), this.bytesOffset);
    }
    return (this.bytesOffset - lo) | 0;
  }

  /** Copy `count` spans from record `i` on; returns their address, or -1 when they do not fit. */
  stageSpans(spans: Uint32Array, i: number, count: number): number {
    const shared = this.sharedSpans.of(spans);
    if (shared >= 0) return shared + i * 8;
    const n = count - i;
    if (n > STAGING_SPANS) return -1;
    if (n <= SMALL_SPANS) {
      const u32 = this.u32;
      const at = this.spansOffset >>> 2;
      for (let k = 0; k < 2 * n; k++) u32[at + k] = spans[2 * i + k]!;
      return this.spansOffset;
    }
    if (i === 0 && spans.length <= 2 * STAGING_SPANS) {
      this.u32.set(spans, this.spansOffset >>> 2); // the whole view: no subarray object
      return this.spansOffset;
    }
    this.u32.set(spans.subarray(2 * i, 2 * count), this.spansOffset >>> 2);
    return this.spansOffset;
  }
}
