/**
 * Double-buffered writes to a file descriptor for the line egress: records are copied into the
 * filling buffer while the other one is being written (fs.write on the thread pool), so the
 * caller (the egress reader, on the main thread) neither waits for the disk nor keeps ring slots
 * for it. When the write in flight completes, whatever filled meanwhile goes out as one write
 * (batches coalesce while the disk is slow). The filling buffer holds at most FILL_LIMIT bytes
 * (or one batch, when a batch is larger): past that, `reserve` answers with a promise that
 * settles when the write in flight completed (backpressure).
 *
 * A failed write fails the writer for good: the next `reserve` and `flush` reject with the
 * error, which counts the records accepted but never written.
 */
import { write } from 'node:fs';
import { dataViewOf } from './byte-copy.ts';

const FILL_LIMIT = 1024 * 1024;
const BUFFER_MIN = 64 * 1024;

export class DoubleBufferedFile {
  /** the buffer being filled (and a DataView over it), and the one written (or free) */
  fill: Buffer = Buffer.allocUnsafeSlow(BUFFER_MIN);
  fillView: DataView = dataViewOf(this.fill);
  private other: Buffer = Buffer.allocUnsafeSlow(BUFFER_MIN);
  private otherView: DataView = dataViewOf(this.other);
  /** bytes and records in `fill` */
  private fillBytes = 0;
  private fillRecords = 0;
  private writing = false;
  private error: Error | null = null;
  /** records not written when the writer failed (in the failed write and after it) */
  private lost = 0;
  private waiters: Array<() => void> = [];
  /** records handed to the OS */
  written = 0;

  constructor(
    private readonly fd: number,
    /** builds the error of a failed write from the OS error and the records it lost */
    private readonly failure: (e: Error, lostRecords: number) => Error,
  ) {}

  /**
   * Room for `bytes` more bytes in the filling buffer: returns the offset in `fill` to copy them
   * to (then call `commit`), or a promise that settles when there may be room (call again).
   */
  reserve(bytes: number): number | Promise<void> {
    if (this.error) return Promise.reject(this.error);
    const need = this.fillBytes + bytes;
    if (need > FILL_LIMIT && this.fillBytes > 0 && this.writing) return this.drained();
    if (need > this.fill.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(need, 2 * this.fill.length));
      this.fill.copy(grown, 0, 0, this.fillBytes);
      this.fill = grown;
      this.fillView = dataViewOf(grown);
    }
    return this.fillBytes;
  }

  /**
   * `records` records of `bytes` bytes were copied where `reserve` said: write them (now, or after the write in
   * flight).
   */
  commit(bytes: number, records: number): void {
    this.fillBytes += bytes;
    this.fillRecords += records;
    if (!this.writing) this.writeFill();
  }

  /** Resolves when every committed byte was handed to the OS; rejects if a write failed. */
  async flush(): Promise<void> {
    while (this.writing) await this.drained();
    if (this.error) throw this.error;
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private writeFill(): void {
    const buf = this.fill;
    const view = this.fillView;
    const total = this.fillBytes;
    const records = this.fillRecords;
    this.fill = this.other;
    this.fillView = this.otherView;
    this.other = buf;
    this.otherView = view;
    this.fillBytes = 0;
    this.fillRecords = 0;
    this.writing = true;
    const more = (at: number) =>
      write(this.fd, buf, at, total - at, null, (e, n) => {
        if (e) return this.done(records, e);
        if (at + n < total)
          more(at + n); // a short write: the rest
        else this.done(records, null);
      });
    more(0);
  }

  private done(records: number, e: Error | null): void {
    this.writing = false;
    if (e) {
      this.lost = records + this.fillRecords;
      this.error = this.failure(e, this.lost);
      this.fillBytes = 0;
      this.fillRecords = 0;
    } else {
      this.written += records;
      if (this.fillBytes > 0) this.writeFill();
    }
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
