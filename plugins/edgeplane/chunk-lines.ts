import type { IngressSink } from '../../kernel/plugin-contract.ts';

/**
 * The complete lines of a chunk into a producer (`IngressSink.pushSpans`) with one ack token per
 * chunk, for line sources that checkpoint (file with `checkpoint`, s3): the lines go in as spans
 * of the chunk (no object per line), and one of them, the last that fits a slot, is pushed on its
 * own with the token of the position just past it. The runtime acknowledges tokens in push order,
 * so that token stands for every line of the chunk before it; the lines after it are over-long
 * ones the sink refuses and counts (a refused record's token would never be acknowledged). A
 * chunk where no line fits carries no token: a later chunk's token covers it.
 */

/** most lines per pushSpans call */
const SPAN_BATCH = 1024;
const NL = 10;

/** where the line that ends at `nl` (the index of its `\n`) starts in `buf` */
function lineStart(buf: Buffer, nl: number): number {
  return nl === 0 ? 0 : buf.lastIndexOf(NL, nl - 1) + 1;
}

export class ChunkLines {
  /** the spans of a run of lines (reused) */
  private readonly spans = new Uint32Array(2 * SPAN_BATCH);

  constructor(private readonly sink: IngressSink) {}

  /**
   * Push the lines of `buf[0, end)` (each ending in `\n`, which is not part of the record);
   * `token(to)` makes the ack token of the line that ends at `buf[to]`. Resolves (or returns at
   * once while the sink takes them without waiting) the number of lines pushed; the sink may
   * read `buf` until then.
   */
  push(buf: Buffer, end: number, token: (to: number) => unknown): number | Promise<number> {
    const limit = this.sink.maxRecordBytes ?? Number.POSITIVE_INFINITY;
    // the line that carries the token: [from, to) and its `\n` at `to`; to < 0: none fits
    let to = end - 1;
    let from = lineStart(buf, to);
    while (to - from > limit) {
      to = from - 1;
      from = to < 0 ? 0 : lineStart(buf, to);
    }
    return this.from(buf, 0, end, from, to, token, 0);
  }

  private from(
    buf: Buffer,
    start: number,
    end: number,
    tokenFrom: number,
    tokenTo: number,
    token: (to: number) => unknown,
    lines: number,
  ): number | Promise<number> {
    const spans = this.spans;
    const sink = this.sink;
    while (start < end) {
      const atToken = start === tokenFrom && tokenTo >= 0;
      let p: void | Promise<void>;
      if (atToken) {
        lines++;
        p = sink.push(buf.subarray(tokenFrom, tokenTo), token(tokenTo));
        start = tokenTo + 1;
      } else {
        let n = 0;
        while (n < SPAN_BATCH && start < end && !(start === tokenFrom && tokenTo >= 0)) {
          const nl = buf.indexOf(NL, start);
          spans[2 * n] = start;
          spans[2 * n + 1] = nl;
          n++;
          start = nl + 1;
        }
        lines += n;
        p = sink.pushSpans!(buf, spans, n);
      }
      if (p) {
        const at = start;
        const counted = lines;
        return p.then(() => this.from(buf, at, end, tokenFrom, tokenTo, token, counted));
      }
    }
    return lines;
  }
}
