/**
 * Where a typed array starts in the runtime's shared memory (-1: it is elsewhere), remembered for
 * the last array asked about. A typed array's `buffer` and `byteOffset` getters are runtime calls
 * on Node 20 (10-30 ns each), and `buffer` of a small on-heap array creates its ArrayBuffer: too
 * dear per record or per small batch, while ingress hands over the same array again and again (a
 * lent read buffer, a reused spans array). An array's buffer and offset never change, so the
 * answer is kept for as long as the same array comes back.
 */
export class SharedOffset {
  private last: ArrayBufferView | null = null;
  private at = -1;

  /** `memory`: the buffer of the shared memory's views (a view made on it, `.buffer`) */
  constructor(private readonly memory: ArrayBufferLike) {}

  /** The byte offset of `a` in the shared memory, or -1 when `a` is not a view of it. */
  of(a: ArrayBufferView): number {
    if (a !== this.last) {
      this.last = a;
      this.at = a.buffer === this.memory ? a.byteOffset : -1;
    }
    return this.at;
  }
}
