/**
 * Splits byte chunks into newline-delimited records for an IngressSink, keeping the state that
 * crosses chunk boundaries (an over-long line being dropped). The reader owns the buffers: it
 * hands `split` a chunk that starts with the unfinished line of the chunk before (carried by
 * the reader) and gets back where this chunk's unfinished line starts.
 *
 * With `pushSpans` the line ends of a chunk go into a reused span array, LINE_SPAN_BATCH
 * records at a time (no `Uint8Array` per line); otherwise each line is pushed as a `subarray`.
 * A line longer than the sink's `maxRecordBytes` is not buffered: once the unfinished line
 * exceeds it, its bytes are dropped up to the next `\n` and it is counted with
 * `sink.refuse(length)` (issue 15). Sinks without `refuse` get every line pushed.
 */
import type { IngressSink } from '../plugin-contract.ts';

/** Most records per `pushSpans` call. */
export const LINE_SPAN_BATCH = 1024;
const NL = 10;

export class LineSplitter {
  /** records handed over (pushed or refused) */
  count = 0;
  /** > 0 while the bytes of an over-long line are being dropped: its length so far */
  private skipping = 0;
  private readonly limit: number;
  private readonly spans = new Uint32Array(2 * LINE_SPAN_BATCH);

  constructor(private readonly sink: IngressSink) {
    this.limit = sink.refuse && sink.maxRecordBytes !== undefined ? sink.maxRecordBytes : Infinity;
  }

  /**
   * Hand over the complete lines of `chunk`. Returns (without a promise while the sink takes
   * them at once) where the unfinished rest starts: the reader carries `chunk[rest..]` into the
   * next chunk; `chunk.length` when nothing is to be carried (an over-long rest is dropped).
   * The sink may read `chunk` until the result settles.
   */
  split(chunk: Buffer): number | Promise<number> {
    let start = 0;
    if (this.skipping > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.skipping += chunk.length;
        return chunk.length;
      }
      const bytes = this.skipping + nl;
      this.skipping = 0;
      this.count++;
      start = nl + 1;
      const p = this.sink.refuse!(bytes);
      if (p) return p.then(() => this.lines(chunk, start));
    }
    return this.lines(chunk, start);
  }

  /**
   * The input ended: `rest` is the text after the last `\n` (a record when not empty), or an
   * over-long last line being dropped is counted as refused.
   */
  end(rest: Uint8Array | null): void | Promise<void> {
    if (this.skipping > 0) {
      this.count++;
      const bytes = this.skipping;
      this.skipping = 0;
      return this.sink.refuse!(bytes);
    }
    if (rest === null || rest.length === 0) return;
    this.count++;
    if (this.sink.pushSpans) {
      this.spans[0] = 0;
      this.spans[1] = rest.length;
      return this.sink.pushSpans(rest, this.spans, 1);
    }
    return this.sink.push(rest);
  }

  private lines(chunk: Buffer, start: number): number | Promise<number> {
    const r = this.sink.pushSpans ? this.pushLineSpans(chunk, start) : this.pushLines(chunk, start);
    return typeof r === 'number' ? this.rest(chunk, r) : r.then((s) => this.rest(chunk, s));
  }

  /** Where the carried rest starts, or the end of the chunk when the rest is too long (dropped from here on). */
  private rest(chunk: Buffer, start: number): number {
    if (chunk.length - start > this.limit) {
      this.skipping = chunk.length - start;
      return chunk.length;
    }
    return start;
  }

  /** Push every complete line of `chunk` from `start` on, one `push` each; returns where the unfinished rest starts. */
  private async pushLines(chunk: Buffer, start: number): Promise<number> {
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl < 0) return start;
      this.count++;
      const p = this.sink.push(chunk.subarray(start, nl));
      if (p) await p;
      start = nl + 1;
    }
  }

  /** Push the complete lines of `chunk` from `start` on through `pushSpans`, a span batch per call. */
  private pushLineSpans(chunk: Buffer, start: number): number | Promise<number> {
    const spans = this.spans;
    const sink = this.sink;
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
      if (p) {
        const from = start;
        return p.then(() => (n < LINE_SPAN_BATCH ? from : this.pushLineSpans(chunk, from)));
      }
      if (n < LINE_SPAN_BATCH) return start;
    }
  }
}
