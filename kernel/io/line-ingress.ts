/**
 * Line-oriented ingress (the default of `run`): newline-delimited records from a file or stdin.
 * Every `\n` ends one record (its bytes exclude the `\n`; a `\r` before it is kept: bytes are
 * bytes); the text after the last `\n` is a record when it is not empty; an empty line is an
 * empty record. Reads 64 KiB chunks, and awaits `push` only when the ring is full.
 *
 * When the sink has `pushSpans` (the executor's producer), the line ends of a chunk are
 * collected into a reused span array, LINE_SPAN_BATCH records at a time, and handed over in
 * one call: no `Uint8Array` per line. Otherwise each line is pushed as a `subarray`.
 *
 * A line longer than the sink's `maxRecordBytes` (slot_bytes) is not buffered: as soon as the
 * unfinished line exceeds it, its bytes are dropped up to the next `\n` and it is counted with
 * `sink.refuse(length)`, so a hostile 100 MB line costs linear time and at most slot_bytes of
 * memory (issue 15). Sinks without `refuse` get every line pushed, as before.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { AdapterHealth, ConnectionState, IngressAdapter, IngressSink } from '../plugin-contract.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export const LINE_CHUNK_BYTES = 64 * 1024;
/** Most records per `pushSpans` call. */
export const LINE_SPAN_BATCH = 1024;
const NL = 10;

export interface LineIngressOptions {
  /** a file path, or `-` for stdin */
  input: string;
  /** read from this stream instead of opening `input` (tests, embedding) */
  stream?: Readable;
}

export class LineIngress implements IngressAdapter {
  private state: ConnectionState = 'connecting';
  private count = 0;
  /** input bytes taken so far (per chunk; for progress) */
  bytesRead = 0;
  private readonly failures: Array<{ unix_ms: number; message: string }> = [];
  private stream: Readable | null = null;
  private closed = false;
  /** resolves when the read loop has finished (EOF, close or failure) */
  finished: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LineIngressOptions) {
    if (!opts.stream && opts.input !== '-') {
      if (!existsSync(opts.input)) {
        throw KernelErrors.error('BYTEOR_E_INPUT_NOT_FOUND', `--input=${opts.input}: no such file; give an existing file or - for stdin`, { input: opts.input });
      }
      if (statSync(opts.input).isDirectory()) {
        throw KernelErrors.error('BYTEOR_E_INPUT_NOT_FOUND', `--input=${opts.input} is a directory; give a file or - for stdin`, { input: opts.input });
      }
    }
  }

  get transport(): string { return this.opts.stream ? 'stream' : this.opts.input === '-' ? 'stdin' : 'file'; }

  async start(sink: IngressSink): Promise<void> {
    const stream = this.opts.stream ?? (this.opts.input === '-' ? process.stdin : createReadStream(this.opts.input, { highWaterMark: LINE_CHUNK_BYTES }));
    this.stream = stream;
    this.state = 'connected';
    this.finished = this.readLoop(stream, sink);
  }

  private async readLoop(stream: Readable, sink: IngressSink): Promise<void> {
    let carry: Buffer | null = null;
    const limit = sink.refuse && sink.maxRecordBytes !== undefined ? sink.maxRecordBytes : Infinity;
    /** > 0 while the bytes of an over-long line are being dropped: its length so far */
    let skipping = 0;
    let ended = false;
    let failure: Error | null = null;
    const onEnd = () => { ended = true; };
    const onError = (e: Error) => { failure = e; };
    stream.on('end', onEnd);
    stream.on('error', onError);
    try {
      for (;;) {
        if (failure) throw failure;
        // closed (the operator stops the run): no further chunk is taken, even one the stream
        // has buffered; the lines of the chunk in hand were pushed (drained) before this check
        if (this.closed) break;
        const raw = stream.read() as Buffer | string | null;
        if (raw === null) {
          // the buffer is empty: stop here at its end, else wait
          if (ended) break;
          await this.readable(stream);
          continue;
        }
        let chunk: Buffer = typeof raw === 'string' ? Buffer.from(raw) : raw;
        this.bytesRead += chunk.length;
        if (skipping > 0) {
          const nl = chunk.indexOf(NL);
          if (nl < 0) { skipping += chunk.length; continue; }
          this.count++;
          const p = sink.refuse!(skipping + nl);
          if (p) await p;
          skipping = 0;
          chunk = chunk.subarray(nl + 1);
        }
        if (carry) { chunk = Buffer.concat([carry, chunk]); carry = null; }
        let start: number;
        if (sink.pushSpans) {
          const r = this.pushLineSpans(sink, chunk, 0);
          start = typeof r === 'number' ? r : await r;
        } else start = await this.pushLines(sink, chunk);
        if (chunk.length - start > limit) skipping = chunk.length - start; // over-long: drop it, do not carry it
        else if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
      }
      if (failure) throw failure;
      if (skipping > 0 && ended) {
        this.count++;
        const p = sink.refuse!(skipping);
        if (p) await p;
        skipping = 0;
      }
      if (carry && carry.length > 0) {
        if (ended) {
          this.count++;
          let p: void | Promise<void>;
          if (sink.pushSpans) {
            this.spans[0] = 0;
            this.spans[1] = carry.length;
            p = sink.pushSpans(carry, this.spans, 1);
          } else p = sink.push(carry);
          if (p) await p;
        } else {
          this.failures.push({ unix_ms: Date.now(), message: `closed with ${carry.length} bytes of an unfinished line read (not a record; discarded)` });
        }
      }
      if (ended && !this.closed) { this.state = 'closed'; sink.end(); }
    } catch (e) {
      if (this.closed) return;
      const message = e instanceof Error ? e.message : String(e);
      this.failures.push({ unix_ms: Date.now(), message });
      this.state = 'failed';
      const err = KernelErrors.error('BYTEOR_E_INPUT_READ', `reading ${this.opts.input === '-' ? 'stdin' : this.opts.input} failed: ${message}`);
      if (sink.fail) sink.fail(err); else sink.end();
    } finally {
      stream.off('end', onEnd);
      stream.off('error', onError);
    }
  }

  /** Push every complete line of `chunk`, one `push` each; returns where the unfinished rest starts. */
  private async pushLines(sink: IngressSink, chunk: Buffer): Promise<number> {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl < 0) return start;
      this.count++;
      const p = sink.push(chunk.subarray(start, nl));
      if (p) await p;
      start = nl + 1;
    }
  }

  private spans = new Uint32Array(2 * LINE_SPAN_BATCH);

  /**
   * Push the complete lines of `chunk` from `start` on through `pushSpans`; returns (without a
   * promise while the ring has room) where the unfinished rest of the chunk starts.
   */
  private pushLineSpans(sink: IngressSink, chunk: Buffer, start: number): number | Promise<number> {
    const spans = this.spans;
    for (;;) {
      let n = 0;
      while (n < LINE_SPAN_BATCH) {
        const nl = chunk.indexOf(NL, start);
        if (nl < 0) break;
        spans[2 * n] = start;
        spans[2 * n + 1] = nl;
        n++;
        start = nl + 1;
      }
      if (n === 0) return start;
      this.count += n;
      const p = sink.pushSpans!(chunk, spans, n);
      if (p) { const from = start; return p.then(() => (n < LINE_SPAN_BATCH ? from : this.pushLineSpans(sink, chunk, from))); }
      if (n < LINE_SPAN_BATCH) return start;
    }
  }

  private wake: (() => void) | null = null;

  /** resolves when the stream has data, ended, failed, or the adapter was closed */
  private readable(stream: Readable): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { stream.off('readable', done); stream.off('end', done); stream.off('error', done); this.wake = null; resolve(); };
      this.wake = done;
      stream.on('readable', done);
      stream.on('end', done);
      stream.on('error', done);
    });
  }

  /**
   * Stop reading at once: the complete lines of the chunk in hand (at most LINE_CHUNK_BYTES)
   * are still pushed (drain); no further chunk is taken, so records not yet taken stay in the
   * file (a pipe's buffered bytes are discarded). Resolves when the read loop has stopped.
   * stdin is destroyed too: a paused stdin pipe would keep the process alive.
   */
  async close(): Promise<void> {
    if (this.closed) { await this.finished; return; }
    this.closed = true;
    this.state = 'closed';
    this.wake?.();
    await this.finished;
    this.stream?.destroy();
  }

  health(): AdapterHealth {
    return { transport: this.transport, connection_state: this.state, message_count: this.count, lag: null, recent_failures: this.failures.slice(-5) };
  }
}
