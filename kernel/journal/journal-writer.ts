/**
 * Appends every published ingress batch to the journal (journal-format.ts): one write per
 * batch (a batch-metadata record and the batch's records, copied from their ring slots before
 * the batch is published). Keeps the newest `keepSegments` segments and deletes older ones.
 * A failed write (ENOSPC, EIO) cuts the segment back to its last whole batch (a reader never
 * sees a torn one, and a full disk gets back the pages of the torn write) and fails the run with
 * BYTEOR_E_JOURNAL_WRITE_FAILED through `onFailure`.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { ByteorError } from '../errors.ts';
import type { RingHandle } from '../core/ring.ts';
import {
  DEFAULT_KEEP_SEGMENTS,
  DEFAULT_SEGMENT_BYTES,
  FLAG_BATCH_META,
  FLAG_DATA,
  FLAG_SEGMENT_META,
  JOURNAL_MAGIC,
  JOURNAL_VERSION,
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  SEGMENT_RE,
  padded,
  segmentName,
} from './journal-format.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export interface JournalWriterOptions {
  specHash: string;
  /** identifies this runtime's records among a restarted runtime's (default `<pid>-<start ms>`) */
  runId?: string;
  segmentBytes?: number;
  keepSegments?: number;
  /**
   * A journal write failed (disk full, I/O error): called once with BYTEOR_E_JOURNAL_WRITE_FAILED
   * (or BYTEOR_E_JOURNAL_UNWRITABLE for a segment that cannot be created); the writer journals
   * nothing more. Without it, batch() throws that error.
   */
  onFailure?(error: ByteorError): void;
}

export class JournalWriter {
  private fd = -1;
  private segment = 0;
  private segmentSize = 0;
  private index = 0;
  private readonly packr = new Packr({ useRecords: false });
  readonly runId: string;
  private readonly segmentBytes: number;
  private readonly keep: number;
  private scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(
    readonly dir: string,
    private readonly opts: JournalWriterOptions,
  ) {
    this.runId = opts.runId ?? `${process.pid}-${Date.now()}`;
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.keep = Math.max(1, opts.keepSegments ?? DEFAULT_KEEP_SEGMENTS);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw KernelErrors.error(
        'BYTEOR_E_JOURNAL_UNWRITABLE',
        `cannot create the journal directory ${dir}: ${(e as Error).message}`,
      );
    }
    this.segment = existingSegments(dir).reduce((m, s) => Math.max(m, s), 0);
  }

  /** Records journaled so far by this writer. */
  get records(): number {
    return this.index;
  }

  /** The write failure that stopped this writer, else null. */
  get failure(): ByteorError | null {
    return this.failed;
  }

  /** PublishedBatchSink: journal `count` records of `ring` starting at `firstSeq`. */
  batch(ring: RingHandle, shard: number, firstSeq: number, count: number): void {
    if (this.failed) return;
    try {
      this.append(ring, shard, firstSeq, count);
    } catch (e) {
      this.fail(e);
    }
  }

  private failed: ByteorError | null = null;

  private fail(e: unknown): void {
    const path = join(this.dir, segmentName(this.segment));
    const errno = (e as NodeJS.ErrnoException).code;
    const error =
      e instanceof ByteorError
        ? e
        : KernelErrors.error(
            'BYTEOR_E_JOURNAL_WRITE_FAILED',
            `cannot write the ingress journal ${path}: ${(e as Error).message}; the run stopped. ` +
              (errno === 'ENOSPC' || errno === 'EDQUOT'
                ? 'Free space on its file system (or give another --run-dir), then start the runtime again'
                : 'Check the device (dmesg) or give another --run-dir, then start the runtime again'),
            { path, ...(errno ? { errno } : {}) },
          );
    this.failed = error;
    if (this.fd >= 0) {
      try {
        ftruncateSync(this.fd, this.segmentSize);
      } catch {
        /* the torn batch stays; readers stop at it */
      }
      try {
        closeSync(this.fd);
      } catch {
        /* already failing */
      }
      this.fd = -1;
    }
    if (!this.opts.onFailure) throw error;
    this.opts.onFailure(error);
  }

  private append(ring: RingHandle, shard: number, firstSeq: number, count: number): void {
    const meta = this.packr.pack({
      run_id: this.runId,
      first_index: this.index,
      shard,
      first_seq: firstSeq,
      count,
      unix_ms: Date.now(),
    });
    let bytes = RECORD_HEADER_BYTES + padded(meta.length);
    for (let i = 0; i < count; i++) bytes += RECORD_HEADER_BYTES + padded(ring.length(firstSeq + i));
    if (
      this.fd < 0 ||
      (this.segmentSize > SEGMENT_HEADER_BYTES + this.firstMetaBytes && this.segmentSize + bytes > this.segmentBytes)
    )
      this.rotate();
    if (this.scratch.length < bytes) this.scratch = Buffer.allocUnsafe(padded(bytes * 2));
    const buf = this.scratch;
    buf.fill(0, 0, bytes);
    let o = putRecord(buf, 0, FLAG_BATCH_META, meta, 0, meta.length);
    for (let i = 0; i < count; i++) {
      const seq = firstSeq + i;
      const off = ring.payloadOffset(seq);
      o = putRecord(buf, o, FLAG_DATA, ring.u8, off, off + ring.length(seq));
    }
    this.write(buf, bytes);
    this.index += count;
  }

  private firstMetaBytes = 0;

  private rotate(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.segment++;
    const path = join(this.dir, segmentName(this.segment));
    try {
      this.fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      throw KernelErrors.error(
        'BYTEOR_E_JOURNAL_UNWRITABLE',
        `cannot create journal segment ${path}: ${(e as Error).message}`,
      );
    }
    const created = Date.now();
    const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
    header.writeUInt32LE(JOURNAL_MAGIC, 0);
    header.writeUInt32LE(JOURNAL_VERSION, 4);
    header.writeUInt32LE(this.segment, 8);
    header.writeDoubleLE(created, 16);
    const meta = this.packr.pack({
      run_id: this.runId,
      spec_hash: this.opts.specHash,
      segment: this.segment,
      created_unix_ms: created,
    });
    const first = Buffer.alloc(RECORD_HEADER_BYTES + padded(meta.length));
    putRecord(first, 0, FLAG_SEGMENT_META, meta, 0, meta.length);
    this.segmentSize = 0;
    try {
      this.write(header, header.length);
      this.write(first, first.length);
    } catch (e) {
      // a segment without its header is no segment: remove it
      try {
        closeSync(this.fd);
      } catch {
        /* failing already */
      }
      this.fd = -1;
      try {
        unlinkSync(path);
      } catch {
        /* gone */
      }
      throw e;
    }
    this.firstMetaBytes = first.length;
    this.prune();
  }

  /** Append `n` bytes; `segmentSize` moves only once all of them are written. */
  private write(buf: Buffer, n: number): void {
    let done = 0;
    while (done < n) done += writeSync(this.fd, buf, done, n - done);
    this.segmentSize += n;
  }

  private prune(): void {
    const all = existingSegments(this.dir).sort((a, b) => a - b);
    for (const s of all.slice(0, Math.max(0, all.length - this.keep))) {
      try {
        unlinkSync(join(this.dir, segmentName(s)));
      } catch {
        /* already gone */
      }
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      fsyncSync(this.fd);
    } catch {
      /* best effort */
    }
    closeSync(this.fd);
    this.fd = -1;
  }
}

function putRecord(buf: Buffer, o: number, flags: number, src: Uint8Array, start: number, end: number): number {
  const len = end - start;
  buf.writeUInt32LE(len, o);
  buf.writeUInt32LE(flags, o + 4);
  buf.set(src.subarray(start, end), o + RECORD_HEADER_BYTES);
  return o + RECORD_HEADER_BYTES + padded(len);
}

export function existingSegments(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    const m = SEGMENT_RE.exec(n);
    if (m) out.push(Number(m[1]));
  }
  return out;
}
