/**
 * Line-oriented egress (the default of `run`): each record followed by `\n`, to stdout or to a
 * file (`--output=FILE`, created or truncated).
 *
 * `writeFrom` (the executor's fast path) copies each record straight from its ring slot into an
 * output buffer with its `\n`: no object per record. An `--output` file is written through
 * DoubleBufferedFile. With `buffered` (one-shot runs) the batch is copied into the filling
 * buffer while the other one is being written, and writeFrom returns nothing (the records are
 * accepted; the kernel releases their slots at once), or a promise when the filling buffer is
 * full behind a slow write; a failed write fails the next writeFrom or close
 * (BYTEOR_E_OUTPUT_WRITE). Without it each batch resolves once written (the OS has the bytes). For stdout and a
 * given stream, `write`/`writeFrom` resolve once the stream took the bytes (its callback), so
 * the slots are released only then; stdout reuses its buffer from batch to batch, a stream
 * given by the embedder may keep the chunks it was written, so it gets a new buffer per batch.
 */
import { close, open } from 'node:fs';
import type { Writable } from 'node:stream';
import { KernelErrors } from '../errors/kernel-errors.ts';
import type { AdapterHealth, ConnectionState, EgressAdapter, EgressView } from '../plugin-contract.ts';
import { dataViewOf } from './byte-copy.ts';
import { ViewLines } from './view-lines.ts';
import { DoubleBufferedFile } from './double-buffered-file.ts';

const NL = 10;
/** Smallest reused output buffer of writeFrom (it grows to the largest batch). */
const OUTPUT_BUFFER_MIN = 64 * 1024;

export interface LineEgressOptions {
  /** a file path, or `-` / undefined for stdout */
  output?: string;
  /** write to this stream instead (tests, embedding); it is not ended by close() */
  stream?: Writable;
  /**
   * For an --output file: accept a batch into the filling buffer while the other is written
   * (writeFrom returns nothing; the slots are released before the OS has the bytes). For one-shot
   * runs; without it each batch resolves once written, as a journal's at-least-once needs.
   */
  buffered?: boolean;
}

export class LineEgress implements EgressAdapter {
  private state: ConnectionState = 'connecting';
  private count = 0;
  private readonly failures: Array<{ unix_ms: number; message: string }> = [];
  private stream: Writable | null = null;
  /** the descriptor of an --output file and its double-buffered writer (no stream, no chunk queue) */
  private fd = -1;
  private file: DoubleBufferedFile | null = null;
  /** writeFrom's output buffer and the DataViews it copies with */
  private out: Buffer | null = null;
  private outView: DataView | null = null;
  private readonly lines = new ViewLines();

  constructor(private readonly opts: LineEgressOptions = {}) {}

  get toStdout(): boolean {
    return !this.opts.stream && (this.opts.output === undefined || this.opts.output === '-');
  }
  get transport(): string {
    return this.opts.stream ? 'stream' : this.toStdout ? 'stdout' : 'file';
  }

  async start(): Promise<void> {
    if (this.opts.stream) this.stream = this.opts.stream;
    else if (this.toStdout) this.stream = process.stdout;
    else {
      const path = this.opts.output!;
      this.fd = await new Promise<number>((resolve, reject) =>
        open(path, 'w', 0o666, (e, fd) => {
          if (e)
            reject(
              KernelErrors.error(
                'BYTEOR_E_OUTPUT_UNWRITABLE',
                `--output=${path}: cannot open for writing (${e.message})`,
                { output: path },
              ),
            );
          else resolve(fd);
        }),
      );
      this.file = new DoubleBufferedFile(this.fd, (e, lost) => {
        this.state = 'failed';
        this.failures.push({ unix_ms: Date.now(), message: e.message });
        return KernelErrors.error(
          'BYTEOR_E_OUTPUT_WRITE',
          `writing ${path} failed: ${e.message}; ${lost} records accepted for it were not written`,
          { output: path, lost },
        );
      });
    }
    this.state = 'connected';
  }

  async write(records: Uint8Array[]): Promise<void> {
    let total = 0;
    for (const r of records) total += r.length + 1;
    if (this.file) {
      let at = this.file.reserve(total);
      while (typeof at !== 'number') {
        await at;
        at = this.file.reserve(total);
      }
      const buf = this.file.fill;
      for (const r of records) {
        buf.set(r, at);
        at += r.length;
        buf[at++] = NL;
      }
      this.file.commit(total, records.length);
      if (!this.opts.buffered) await this.file.flush();
      return;
    }
    const buf = Buffer.allocUnsafe(total);
    let o = 0;
    for (const r of records) {
      buf.set(r, o);
      o += r.length;
      buf[o++] = NL;
    }
    await this.send(buf);
    this.count += records.length;
  }

  writeFrom(view: EgressView): void | Promise<void> {
    const n = view.count;
    const total = view.bytes + n;
    if (this.file) {
      const at = this.file.reserve(total);
      // the filling buffer is full behind a slow write: the view stays valid until this settles
      if (typeof at !== 'number') return at.then(() => this.writeFrom(view));
      this.lines.copy(view, this.file.fill, this.file.fillView, at);
      this.file.commit(total, n);
      if (!this.opts.buffered) return this.file.flush();
      return;
    }
    return this.writeViewToStream(view, total);
  }

  private async writeViewToStream(view: EgressView, total: number): Promise<void> {
    const buf = this.outputBuffer(total);
    this.lines.copy(view, buf, this.outView!, 0);
    await this.send(total === buf.length ? buf : buf.subarray(0, total));
    this.count += view.count;
  }

  /** The output buffer of a writeFrom batch: reused for stdout and files, new for a given stream. */
  private outputBuffer(bytes: number): Buffer {
    if (this.opts.stream || this.out === null || this.out.length < bytes) {
      const b = this.opts.stream
        ? Buffer.allocUnsafe(bytes)
        : Buffer.allocUnsafeSlow(Math.max(bytes, OUTPUT_BUFFER_MIN));
      this.out = b;
      this.outView = dataViewOf(b);
    }
    return this.out;
  }

  /** Resolves once the stream took every byte of `buf` (its write callback). */
  private send(buf: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.stream!.write(buf, (e) => {
        if (!e) {
          resolve();
          return;
        }
        this.state = 'failed';
        this.failures.push({ unix_ms: Date.now(), message: e.message });
        reject(KernelErrors.error('BYTEOR_E_OUTPUT_WRITE', `writing ${this.transport} failed: ${e.message}`));
      });
    });
  }

  /**
   * For an --output file: write what is buffered, then close it; rejects when a write failed (BYTEOR_E_OUTPUT_WRITE).
   */
  async close(): Promise<void> {
    const fd = this.fd;
    if (fd < 0) {
      this.state = 'closed';
      return;
    }
    this.fd = -1;
    try {
      await this.file!.flush();
      this.state = 'closed';
    } finally {
      await new Promise<void>((resolve) => close(fd, () => resolve()));
    }
  }

  health(): AdapterHealth {
    return {
      transport: this.transport,
      connection_state: this.state,
      message_count: this.count + (this.file?.written ?? 0),
      lag: null,
      recent_failures: this.failures.slice(-5),
    };
  }
}
