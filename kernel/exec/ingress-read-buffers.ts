/**
 * Read buffers an ingress adapter may borrow from the runtime's shared memory
 * (`IngressSink.readBuffer`): an adapter that reads its records into one and pushes spans over it
 * (`pushSpans`) has them copied into their slots by the core straight from there, with no copy
 * into the staging area first (ingress-staging.ts: a chunk in the shared memory is used in place).
 *
 * A region of READ_BUFFER_BYTES carved at run start; buffers are handed out front to back and
 * kept for the run (an adapter borrows its few buffers once, when it starts). When the region is
 * used up, `lend` says no and the adapter reads into its own memory, as before.
 */
export const READ_BUFFER_BYTES = 1024 * 1024;
/** buffers start on this boundary (word loops over them stay aligned) */
const ALIGN = 64;

export class IngressReadBuffers {
  static readonly bytes = READ_BUFFER_BYTES;
  private used = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly base: number,
  ) {}

  /** A buffer of exactly `bytes` bytes in the shared memory, or null when the region has no room left. */
  lend(bytes: number): Uint8Array | null {
    if (!(Number.isInteger(bytes) && bytes > 0)) return null;
    const at = (this.used + ALIGN - 1) & ~(ALIGN - 1);
    if (at + bytes > READ_BUFFER_BYTES) return null;
    this.used = at + bytes;
    return new Uint8Array(this.memory.buffer, this.base + at, bytes);
  }
}
