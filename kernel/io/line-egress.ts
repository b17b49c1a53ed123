/**
 * Line-oriented egress (the default of `run`): each record followed by `\n`, to stdout or to a
 * file (`--output=FILE`, created or truncated). One write per batch; `write` resolves once the
 * bytes were handed to the OS (stream callback), so the ring slots are released only then.
 *
 * `writeFrom` (the executor's fast path) copies each record straight from its ring slot into
 * one output buffer with its `\n`: no object per record. For stdout and `--output` files the
 * buffer is reused from batch to batch (the stream callback means the OS has the bytes, and
 * the next batch comes only after it); a stream given by the embedder may keep the chunks it
 * was written, so it gets a new buffer per batch.
 */
import { close, open, write } from 'node:fs';
import type { Writable } from 'node:stream';
import { KernelErrors } from '../errors/kernel-errors.ts';
import type { AdapterHealth, ConnectionState, EgressAdapter, EgressView } from '../plugin-contract.ts';
import { copyBytes, dataViewOf } from './byte-copy.ts';

const NL = 10;
/** Smallest reused output buffer of writeFrom (it grows to the largest batch). */
const OUTPUT_BUFFER_MIN = 64 * 1024;

export interface LineEgressOptions {
  /** a file path, or `-` / undefined for stdout */
  output?: string;
  /** write to this stream instead (tests, embedding); it is not ended by close() */
  stream?: Writable;
}

export class LineEgress implements EgressAdapter {
  private state: ConnectionState = 'connecting';
  private count = 0;
  private readonly failures: Array<{ unix_ms: number; message: string }> = [];
  private stream: Writable | null = null;
  /** the descriptor of an --output file (written with fs.write: no stream, no chunk queue) */
  private fd = -1;
  /** writeFrom's output buffer and the DataViews it copies with */
  private out: Buffer | null = null;
  private outView: DataView | null = null;
  private memView: DataView | null = null;

  constructor(private readonly opts: LineEgressOptions = {}) {}

  get toStdout(): boolean { return !this.opts.stream && (this.opts.output === undefined || this.opts.output === '-'); }
  get transport(): string { return this.opts.stream ? 'stream' : this.toStdout ? 'stdout' : 'file'; }

  async start(): Promise<void> {
    if (this.opts.stream) this.stream = this.opts.stream;
    else if (this.toStdout) this.stream = process.stdout;
    else {
      const path = this.opts.output!;
      this.fd = await new Promise<number>((resolve, reject) => open(path, 'w', 0o666, (e, fd) => {
        if (e) reject(KernelErrors.error('BYTEOR_E_OUTPUT_UNWRITABLE', `--output=${path}: cannot open for writing (${e.message})`, { output: path }));
        else resolve(fd);
      }));
    }
    this.state = 'connected';
  }

  async write(records: Uint8Array[]): Promise<void> {
    let total = 0;
    for (const r of records) total += r.length + 1;
    const buf = Buffer.allocUnsafe(total);
    let o = 0;
    for (const r of records) { buf.set(r, o); o += r.length; buf[o++] = NL; }
    await this.send(buf);
    this.count += records.length;
  }

  async writeFrom(view: EgressView): Promise<void> {
    const n = view.count;
    const total = view.bytes + n;
    const buf = this.outputBuffer(total);
    const dst = this.outView!;
    if (this.memView === null || this.memView.buffer !== view.memory.buffer) this.memView = dataViewOf(view.memory);
    const src = this.memView;
    const base = view.memory.byteOffset;
    let o = 0;
    for (let i = 0; i < n; i++) {
      const len = view.length(i);
      copyBytes(src, view.offset(i) - base, dst, o, len);
      o += len;
      buf[o++] = NL;
    }
    await this.send(total === buf.length ? buf : buf.subarray(0, total));
    this.count += n;
  }

  /** The output buffer of a writeFrom batch: reused for stdout and files, new for a given stream. */
  private outputBuffer(bytes: number): Buffer {
    if (this.opts.stream || this.out === null || this.out.length < bytes) {
      const b = this.opts.stream ? Buffer.allocUnsafe(bytes) : Buffer.allocUnsafeSlow(Math.max(bytes, OUTPUT_BUFFER_MIN));
      this.out = b;
      this.outView = dataViewOf(b);
    }
    return this.out;
  }

  /** Resolves once every byte of `buf` was handed to the OS. */
  private send(buf: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const failed = (e: Error) => {
        this.state = 'failed';
        this.failures.push({ unix_ms: Date.now(), message: e.message });
        reject(KernelErrors.error('BYTEOR_E_OUTPUT_WRITE', `writing ${this.transport === 'file' ? this.opts.output : this.transport} failed: ${e.message}`));
      };
      if (this.fd < 0) { this.stream!.write(buf, (e) => (e ? failed(e) : resolve())); return; }
      const fd = this.fd;
      const more = (at: number) => write(fd, buf, at, buf.length - at, null, (e, n) => {
        if (e) failed(e);
        else if (at + n < buf.length) more(at + n); // a short write: the rest
        else resolve();
      });
      more(0);
    });
  }

  async close(): Promise<void> {
    this.state = 'closed';
    const fd = this.fd;
    if (fd < 0) return;
    this.fd = -1;
    await new Promise<void>((resolve) => close(fd, () => resolve()));
  }

  health(): AdapterHealth {
    return { transport: this.transport, connection_state: this.state, message_count: this.count, lag: null, recent_failures: this.failures.slice(-5) };
  }
}
