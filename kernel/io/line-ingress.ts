/**
 * Line-oriented ingress (the default of `run`): newline-delimited records from a file or stdin.
 * Every `\n` ends one record (its bytes exclude the `\n`; a `\r` before it is kept: bytes are
 * bytes); the text after the last `\n` is a record when it is not empty; an empty line is an
 * empty record. Reads 256 KiB chunks, and awaits the sink only when the ring is full. The
 * splitting (span batches, over-long lines refused without buffering them) is LineSplitter's.
 *
 * A regular file read into a producer (a sink with `pushSpans`, which copies each record into
 * its slot before it settles) is read through its descriptor into two reused buffers, the next
 * chunk while the lines of this one go into the ring; stdin, pipes and other sinks go through
 * a stream, a new buffer per chunk (a sink with only `push` may keep what it was given).
 */
import { closeSync, createReadStream, existsSync, fstatSync, openSync, read, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { KernelErrors } from '../errors/kernel-errors.ts';
import type { AdapterHealth, ConnectionState, IngressAdapter, IngressSink } from '../plugin-contract.ts';
import { LINE_SPAN_BATCH, LineSplitter } from './line-splitter.ts';

export { LINE_SPAN_BATCH };
/**
 * Bytes a read takes. 256 KiB: against 64 KiB, a 1 M-line `run --sp` (64-B lines) ran its records
 * in 0.137-0.174 s instead of 0.174-0.219 s, 0.34-0.39 s instead of 0.38-0.43 s for the whole
 * process (six alternating pairs, docs/performance.md sixth pass): a quarter of the reads, of the
 * thread-pool round trips and of the event-loop turns between them. A stop still takes only the
 * complete lines of the chunk in hand (4 k such lines, about a millisecond of work).
 */
export const LINE_CHUNK_BYTES = 256 * 1024;

/** Read up to LINE_CHUNK_BYTES at `position` into `buf` from `offset` on; resolves with the count (0 at EOF). */
function readAt(fd: number, buf: Buffer, offset: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, offset, LINE_CHUNK_BYTES, position, (e, n) => (e ? reject(e) : resolve(n))),
  );
}

export interface LineIngressOptions {
  /** a file path, or `-` for stdin */
  input: string;
  /** read from this stream instead of opening `input` (tests, embedding) */
  stream?: Readable;
}

export class LineIngress implements IngressAdapter {
  private state: ConnectionState = 'connecting';
  /** the splitter of the running read loop (it counts the records) */
  private splitter: LineSplitter | null = null;
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
        throw KernelErrors.error(
          'BYTEOR_E_INPUT_NOT_FOUND',
          `--input=${opts.input}: no such file; give an existing file or - for stdin`,
          { input: opts.input },
        );
      }
      if (statSync(opts.input).isDirectory()) {
        throw KernelErrors.error(
          'BYTEOR_E_INPUT_NOT_FOUND',
          `--input=${opts.input} is a directory; give a file or - for stdin`,
          { input: opts.input },
        );
      }
    }
  }

  get transport(): string {
    return this.opts.stream ? 'stream' : this.opts.input === '-' ? 'stdin' : 'file';
  }

  async start(sink: IngressSink): Promise<void> {
    if (!this.opts.stream && this.opts.input !== '-' && sink.pushSpans) {
      // an input that cannot be opened goes the stream way, which reports it (BYTEOR_E_INPUT_READ)
      let fd = -1;
      try {
        fd = openSync(this.opts.input, 'r');
      } catch {
        /* below */
      }
      if (fd >= 0 && fstatSync(fd).isFile()) {
        this.state = 'connected';
        this.finished = this.readFileLoop(fd, sink);
        return;
      }
      if (fd >= 0) closeSync(fd);
    }
    const stream =
      this.opts.stream ??
      (this.opts.input === '-'
        ? process.stdin
        : createReadStream(this.opts.input, { highWaterMark: LINE_CHUNK_BYTES }));
    this.stream = stream;
    this.state = 'connected';
    this.finished = this.readLoop(stream, sink);
  }

  private async readLoop(stream: Readable, sink: IngressSink): Promise<void> {
    const splitter = new LineSplitter(sink);
    this.splitter = splitter;
    let carry: Buffer | null = null;
    let ended = false;
    let failure: Error | null = null;
    const onEnd = () => {
      ended = true;
    };
    const onError = (e: Error) => {
      failure = e;
    };
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
        if (carry) {
          chunk = Buffer.concat([carry, chunk]);
          carry = null;
        }
        const r = splitter.split(chunk);
        const start = typeof r === 'number' ? r : await r;
        if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
      }
      if (failure) throw failure;
      await this.finish(splitter, sink, ended, carry);
    } catch (e) {
      this.failed(e, sink);
    } finally {
      stream.off('end', onEnd);
      stream.off('error', onError);
    }
  }

  /**
   * A regular file into a producer (`pushSpans`): two reused buffers, the next chunk read (on
   * the thread pool) while the lines of this one go into the ring. Each buffer keeps
   * LINE_CHUNK_BYTES of head room in front of its chunk for the unfinished line of the chunk
   * before, so a line across a chunk boundary is copied once, not concatenated.
   */
  private async readFileLoop(fd: number, sink: IngressSink): Promise<void> {
    const splitter = new LineSplitter(sink);
    this.splitter = splitter;
    const head = LINE_CHUNK_BYTES;
    const bufs = [Buffer.allocUnsafeSlow(head + LINE_CHUNK_BYTES), Buffer.allocUnsafeSlow(head + LINE_CHUNK_BYTES)];
    let k = 0;
    let position = 0;
    let carry: Buffer | null = null;
    let ended = false;
    let pending: Promise<number> | null = readAt(fd, bufs[0]!, head, position);
    try {
      for (;;) {
        const n = await pending!;
        pending = null;
        // closed: the chunk just read is not taken (it stays unread as far as the run goes)
        if (this.closed) break;
        if (n === 0) {
          ended = true;
          break;
        }
        this.bytesRead += n;
        position += n;
        const cur = bufs[k]!;
        let chunk: Buffer;
        if (carry === null) chunk = cur.subarray(head, head + n);
        else if (carry.length <= head) {
          carry.copy(cur, head - carry.length);
          chunk = cur.subarray(head - carry.length, head + n);
        } else chunk = Buffer.concat([carry, cur.subarray(head, head + n)]);
        carry = null;
        // the other buffer is free now (its carry was copied): read the next chunk into it meanwhile
        pending = readAt(fd, bufs[k ^ 1]!, head, position);
        const r = splitter.split(chunk);
        const start = typeof r === 'number' ? r : await r;
        if (start < chunk.length) carry = chunk.subarray(start);
        k ^= 1;
      }
      await this.finish(splitter, sink, ended, carry);
    } catch (e) {
      this.failed(e, sink);
    } finally {
      if (pending) await pending.catch(() => 0);
      closeSync(fd);
    }
  }

  /** After the last chunk: the unfinished last line is a record at EOF, else reported as discarded. */
  private async finish(splitter: LineSplitter, sink: IngressSink, ended: boolean, carry: Buffer | null): Promise<void> {
    if (ended) {
      const p = splitter.end(carry);
      if (p) await p;
    } else if (carry && carry.length > 0) {
      this.failures.push({
        unix_ms: Date.now(),
        message: `closed with ${carry.length} bytes of an unfinished line read (not a record; discarded)`,
      });
    }
    if (ended && !this.closed) {
      this.state = 'closed';
      sink.end();
    }
  }

  private failed(e: unknown, sink: IngressSink): void {
    if (this.closed) return;
    const message = e instanceof Error ? e.message : String(e);
    this.failures.push({ unix_ms: Date.now(), message });
    this.state = 'failed';
    const err = KernelErrors.error(
      'BYTEOR_E_INPUT_READ',
      `reading ${this.opts.input === '-' ? 'stdin' : this.opts.input} failed: ${message}`,
    );
    if (sink.fail) sink.fail(err);
    else sink.end();
  }

  private wake: (() => void) | null = null;

  /** resolves when the stream has data, ended, failed, or the adapter was closed */
  private readable(stream: Readable): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        stream.off('readable', done);
        stream.off('end', done);
        stream.off('error', done);
        this.wake = null;
        resolve();
      };
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
    if (this.closed) {
      await this.finished;
      return;
    }
    this.closed = true;
    this.state = 'closed';
    this.wake?.();
    await this.finished;
    this.stream?.destroy();
  }

  health(): AdapterHealth {
    return {
      transport: this.transport,
      connection_state: this.state,
      message_count: this.splitter?.count ?? 0,
      lag: null,
      recent_failures: this.failures.slice(-5),
    };
  }
}
