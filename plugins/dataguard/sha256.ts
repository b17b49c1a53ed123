import { copyBytes } from '../../kernel/io/byte-copy.ts';
import { packagedWasm } from './wasm-module.ts';

/**
 * SHA-256 (FIPS 180-4) for the in-place `hash` rule, in build/sha256.wasm (assembly/sha256.ts):
 * a queue of jobs (a message copied into the module's memory, the digest wanted raw or as hex)
 * hashed by one call, four messages at a time in 128-bit SIMD lanes. The scan path queues the
 * hashed fields of many records and hashes them together (scan-path.ts); the digests are read
 * where they lie in `bytes`. Each instance has its own module memory, sized once: nothing is
 * allocated per job or per call.
 */

/** The raw exports of build/sha256.wasm. */
interface Sha256Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  sha256Jobs(jobs: number, count: number): void;
}

/** A job's digest form: the 32 digest bytes, or their 64 lower-case hex digits. */
export const FORM_RAW = 0;
export const FORM_HEX = 1;
/** bytes per job table entry (assembly/sha256.ts JOB_BYTES) */
const JOB_BYTES = 16;
/** a job's output: up to 16 bytes of the text put before a hex digest, then the digest (64 bytes at most) */
const OUTPUT_BYTES = 80;
const DIGEST_AT = 16;
const PAGE = 65536;

/** Bytes a message of `len` bytes takes in the module's memory: itself and its padding, in 64-byte blocks. */
export const paddedBytes = (len: number): number => ((len + 72) >>> 6) << 6;

export class Sha256 {
  /** the module's memory: digest j is at bytes[digestAt(j), +32 or +64) after run() */
  bytes!: Buffer;
  /** a view of `bytes` */
  view!: DataView;
  private table!: Uint32Array;
  private readonly x: Sha256Exports;
  private readonly jobsAt: number;
  private readonly digestsAt: number;
  private readonly messagesAt: number;
  private messagesEnd = 0;
  /** jobs queued since clear() */
  count = 0;
  private messagePos: number;

  /**
   * Room for `maxJobs` jobs and `messageBytes` of padded messages (paddedBytes) per run; every
   * digest is preceded in `bytes` by `prefix` (at most 16 bytes: `sha256:` for the hash rule's
   * text). The defaults suit one-shot use (digest, hex), which makes room for a longer message.
   */
  constructor(
    readonly maxJobs = 4,
    messageBytes = 4096,
    prefix: Uint8Array = new Uint8Array(0),
  ) {
    this.x = new WebAssembly.Instance(
      packagedWasm('build/sha256.wasm', 'assembly/sha256.ts', 'BYTEOR_E_DATAGUARD_HASH_MODULE'),
      {},
    ).exports as unknown as Sha256Exports;
    this.jobsAt = this.x.heapBase();
    this.digestsAt = this.jobsAt + maxJobs * JOB_BYTES + DIGEST_AT;
    this.messagesAt = this.digestsAt - DIGEST_AT + maxJobs * OUTPUT_BYTES;
    this.messagePos = this.messagesAt;
    this.reserve(messageBytes);
    for (let j = 0; j < maxJobs; j++) this.bytes.set(prefix, this.digestAt(j) - prefix.length);
  }

  /** Make the message area at least `n` bytes (memory grows; the views are remade). */
  private reserve(n: number): void {
    const mem = this.x.memory;
    const end = this.messagesAt + n;
    if (end > mem.buffer.byteLength) mem.grow(Math.ceil((end - mem.buffer.byteLength) / PAGE));
    this.messagesEnd = mem.buffer.byteLength;
    this.bytes = Buffer.from(mem.buffer);
    this.view = new DataView(mem.buffer);
    this.table = new Uint32Array(mem.buffer, this.jobsAt, this.maxJobs * 4);
  }

  /** Whether one more job with a message of `len` bytes fits before run(). */
  room(len: number): boolean {
    return this.count < this.maxJobs && this.messagePos + paddedBytes(len) <= this.messagesEnd;
  }

  /**
   * Queue the SHA-256 of the bytes src[start, start+len) of a DataView in `form` (room(len)
   * checked by the caller); its job number, for digestAt after run().
   */
  add(src: DataView, start: number, len: number, form: number): number {
    const j = this.count++;
    const p = this.messagePos;
    copyBytes(src, start, this.view, p, len);
    const t = this.table;
    t[4 * j] = p;
    t[4 * j + 1] = len;
    t[4 * j + 2] = this.digestAt(j);
    t[4 * j + 3] = form;
    this.messagePos = p + paddedBytes(len);
    return j;
  }

  /** Hash every queued job: one call into the module. */
  run(): void {
    if (this.count > 0) this.x.sha256Jobs(this.jobsAt, this.count);
  }

  /** Where job j's digest is in `bytes` (the prefix just before it). */
  digestAt(j: number): number {
    return this.digestsAt + j * OUTPUT_BYTES;
  }

  /** Forget the jobs from number `from` on (all by default). */
  clear(from = 0): void {
    if (from >= this.count) return;
    this.messagePos = from === 0 ? this.messagesAt : this.table[4 * from]!;
    this.count = from;
  }

  /** Write the 32-byte digest of src[start, start+len) to out[at, at+32) (no job may be queued). */
  digest(src: Uint8Array, start: number, len: number, out: Uint8Array, at: number): void {
    this.one(src, start, len, FORM_RAW, out, at, 32);
  }

  /** Write the 64 lower-case hex digits of the digest of src[start, start+len) to out[at, at+64) (no job queued). */
  hex(src: Uint8Array, start: number, len: number, out: Uint8Array, at: number): void {
    this.one(src, start, len, FORM_HEX, out, at, 64);
  }

  private one(src: Uint8Array, start: number, len: number, form: number, out: Uint8Array, at: number, n: number) {
    this.clear();
    if (!this.room(len)) this.reserve(paddedBytes(len));
    const d = this.digestAt(this.add(new DataView(src.buffer, src.byteOffset, src.byteLength), start, len, form));
    this.run();
    this.clear();
    const bytes = this.bytes;
    for (let i = 0; i < n; i++) out[at + i] = bytes[d + i]!;
  }
}
