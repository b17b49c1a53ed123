import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { writePrivateFileAsync } from '../../kernel/io/private-file.ts';
import { z } from 'zod';
import type {
  AdapterFactory,
  EgressAdapter,
  EgressView,
  IngressAdapter,
  IngressSink,
} from '../../kernel/plugin-contract.ts';
import { LineSplitter as SpanSplitter } from '../../kernel/io/line-splitter.ts';
import { dataViewOf } from '../../kernel/io/byte-copy.ts';
import { ViewLines } from '../../kernel/io/view-lines.ts';
import { sleep } from './backoff.ts';
import { track, type LiveBinding } from './bindings.ts';
import { HealthTracker, errorText } from './health.ts';
import { ChunkLines } from './chunk-lines.ts';
import { LineSplitter } from './lines.ts';
import { bool, int, parseSettings, text } from './settings.ts';
import { failSource, transportError } from './source-failure.ts';

/**
 * Line-oriented file adapter. Ingress reads `\n`-terminated records from a file, optionally
 * following it as it grows (`tail -f`), and with `checkpoint=PATH` resumes after the last line
 * whose record left through egress (at-least-once across restarts). Egress appends one line per
 * record (or truncates first with `append=false`).
 *
 * Without a checkpoint, into a producer (`pushSpans`), ingress hands the lines of each read to
 * the ring as spans of one reused buffer (the kernel's line splitter: no object per line; an
 * over-long line is refused without being buffered); with a checkpoint each line is pushed with
 * the offset just past it as its ack token. Egress `writeFrom` copies a batch from the ring
 * slots into one reused buffer, a `\n` after each record.
 */

const NL = 10;
/** how long the size of a file being read is taken as known (for its lag) */
const STAT_MS = 50;

export const FileIngressSettings = z.object({
  path: text(),
  follow: bool().default(false),
  start: z.enum(['beginning', 'end']).default('beginning'),
  poll_ms: int(10, 60_000).default(200),
  checkpoint: text().optional(),
  read_bytes: int(512, 16 * 1024 * 1024).default(64 * 1024),
});

export const FileEgressSettings = z.object({
  path: text(),
  append: bool().default(true),
  fsync: bool().default(false),
});

async function readCheckpoint(path: string): Promise<number | null> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const m = /^offset=(\d+)\n?$/.exec(raw);
  if (!m)
    throw transportError('file', `checkpoint ${path} is not "offset=N"; delete it to read the file from the beginning`);
  return Number(m[1]);
}

export class FileIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'file';
  private closing: Promise<void> | null = null;
  private readonly h = new HealthTracker('file', 'bytes');
  private readonly stop = new AbortController();
  private fh: FileHandle | null = null;
  private offset = 0;
  /** the file's size as last asked, and when (performance.now()) */
  private size = 0;
  private sizeAt = 0;
  private acked = -1;
  private checkpointing: Promise<void> = Promise.resolve();
  private loop: Promise<void> = Promise.resolve();

  constructor(readonly settings: z.output<typeof FileIngressSettings>) {}

  endpoint(): string {
    return this.settings.path;
  }
  health() {
    return this.h.snapshot();
  }

  async start(sink: IngressSink): Promise<void> {
    const s = this.settings;
    try {
      this.fh = await open(s.path, 'r');
      const size = (await this.fh.stat()).size;
      this.size = size;
      this.sizeAt = performance.now();
      const resumed = s.checkpoint ? await readCheckpoint(s.checkpoint) : null;
      if (resumed !== null && resumed > size) {
        this.h.fail(
          `checkpoint offset ${resumed} is past the end of ${s.path} (${size} bytes): the file was replaced; ` +
            `reading it from the beginning`,
        );
        this.offset = 0;
      } else {
        this.offset = resumed ?? (s.start === 'end' ? size : 0);
      }
    } catch (e) {
      this.h.fail(errorText(e));
      this.h.set('failed');
      await this.fh?.close().catch(() => {});
      throw transportError('file', `cannot read ${s.path}: ${errorText(e)}; check the path in ingress.path`, e);
    }
    this.h.set('connected');
    this.loop = this.run(sink).catch((e) => failSource(sink, this.h, 'file', e));
  }

  /**
   * The line paths with a checkpoint, or into a sink without pushSpans. Into a producer (pushSpans) the lines of
   * each read go in through ChunkLines (spans, one ack token per read: the offset just past its last line that
   * fits a slot), the unfinished last line carried (copied) into the next read; otherwise each line is pushed
   * with the offset just past it as its token.
   */
  private async run(sink: IngressSink): Promise<void> {
    if (!this.settings.checkpoint && sink.pushSpans) return this.runSpans(sink);
    const s = this.settings;
    const buf = Buffer.alloc(s.read_bytes);
    let lines = new LineSplitter(this.offset);
    const chunks = sink.pushSpans ? new ChunkLines(sink) : null;
    /** with `chunks`: the unfinished line read last, which ends at `offset` */
    let carry: Buffer | null = null;
    while (!this.stop.signal.aborted) {
      const { bytesRead } = await this.fh!.read(buf, 0, buf.length, this.offset);
      if (bytesRead > 0) {
        if (chunks) {
          if (this.stop.signal.aborted) return;
          const base = this.offset - (carry?.length ?? 0); // the offset of all[0]
          const data = buf.subarray(0, bytesRead);
          const all: Buffer = carry === null ? data : Buffer.concat([carry, data]);
          const end: number = all.lastIndexOf(NL) + 1;
          if (end > 0) {
            const r = chunks.push(all, end, (to) => base + to + 1);
            this.h.count(typeof r === 'number' ? r : await r);
          }
          // a copy: `buf` is read into again
          carry = end === all.length ? null : Buffer.from(all.subarray(end));
          this.offset += bytesRead;
          this.h.lag((await this.knownSize()) - this.offset + (carry?.length ?? 0));
          continue;
        }
        this.offset += bytesRead;
        for (const { line, end } of lines.feed(buf.subarray(0, bytesRead))) {
          if (this.stop.signal.aborted) return;
          {
            const p = sink.push(line, end);
            if (p) await p;
          }
          this.h.count(1);
        }
        this.h.lag((await this.knownSize()) - this.offset + lines.pending);
        continue;
      }
      if (!s.follow) {
        const last = chunks ? carry && { line: carry, end: this.offset } : lines.rest();
        if (last && !this.stop.signal.aborted) {
          {
            const p = sink.push(last.line, last.end);
            if (p) await p;
          }
          this.h.count(1);
        }
        this.h.lag(0);
        sink.end();
        return;
      }
      const size = (await stat(s.path)).size;
      if (size < this.offset) {
        this.h.fail(
          `${s.path} shrank from ${this.offset} to ${size} bytes (truncated); reading it again from the beginning`,
        );
        this.offset = 0;
        lines = new LineSplitter(0);
        carry = null;
      }
      this.h.lag(Math.max(0, size - this.offset) + (chunks ? (carry?.length ?? 0) : lines.pending));
      await sleep(s.poll_ms, this.stop.signal);
    }
  }

  /**
   * The span path: each read lands in `buf` after `head` bytes of room, where the unfinished
   * line of the read before waits (moved there, not concatenated); a carried line longer than
   * the room grows the buffer (only when the sink takes lines longer than read_bytes).
   */
  private async runSpans(sink: IngressSink): Promise<void> {
    const s = this.settings;
    let head = s.read_bytes;
    // read into the runtime's shared memory when it lends a buffer (readBuffer): the core copies the lines into
    // their slots from there, without staging the chunk first
    const lent = sink.readBuffer?.(head + s.read_bytes) ?? null;
    let buf = lent ? Buffer.from(lent.buffer, lent.byteOffset, lent.byteLength) : Buffer.allocUnsafeSlow(2 * head);
    let lines = new SpanSplitter(sink);
    let carry = 0;
    let counted = 0;
    while (!this.stop.signal.aborted) {
      const { bytesRead } = await this.fh!.read(buf, head, s.read_bytes, this.offset);
      if (bytesRead > 0) {
        if (this.stop.signal.aborted) return;
        this.offset += bytesRead;
        const chunk = buf.subarray(head - carry, head + bytesRead);
        const r = lines.split(chunk);
        const start = typeof r === 'number' ? r : await r;
        this.h.count(lines.count - counted);
        counted = lines.count;
        const from = head - carry + start; // where the unfinished rest begins in buf
        const rest = chunk.length - start;
        if (rest > head) {
          const grown = Buffer.allocUnsafeSlow(rest + s.read_bytes);
          chunk.copy(grown, 0, start);
          buf = grown;
          head = rest;
        } else if (rest > 0) buf.copyWithin(head - rest, from, head + bytesRead);
        carry = rest;
        this.h.lag((await this.knownSize()) - this.offset + carry);
        continue;
      }
      if (!s.follow) {
        if (!this.stop.signal.aborted) {
          const p = lines.end(carry > 0 ? buf.subarray(head - carry, head) : null);
          if (p) await p;
          this.h.count(lines.count - counted);
        }
        this.h.lag(0);
        sink.end();
        return;
      }
      const size = (await stat(s.path)).size;
      if (size < this.offset) {
        this.h.fail(
          `${s.path} shrank from ${this.offset} to ${size} bytes (truncated); reading it again from the beginning`,
        );
        this.offset = 0;
        lines = new SpanSplitter(sink);
        carry = 0;
        counted = 0;
      }
      this.h.lag(Math.max(0, size - this.offset) + carry);
      await sleep(s.poll_ms, this.stop.signal);
    }
  }

  /**
   * The file's size for the lag while reading: asked of the file system (an fstat, a round trip through the
   * thread pool, as long as a read) only once the reads passed the size known, or STAT_MS after the last time,
   * not after every read.
   */
  private knownSize(): number | Promise<number> {
    const now = performance.now();
    if (this.offset < this.size && now - this.sizeAt < STAT_MS) return this.size;
    this.sizeAt = now;
    return this.fh!.stat().then((st) => {
      this.size = st.size;
      return st.size;
    });
  }

  /** tokens are stream offsets just past acknowledged lines; the checkpoint keeps the highest */
  ack(tokens: unknown[]): Promise<void> {
    if (!this.settings.checkpoint) return Promise.resolve();
    let max = this.acked;
    for (const t of tokens) if (typeof t === 'number' && t > max) max = t;
    if (max <= this.acked) return this.checkpointing;
    this.acked = max;
    const path = this.settings.checkpoint;
    this.checkpointing = this.checkpointing.then(async () => {
      await writePrivateFileAsync(path, `offset=${max}\n`);
    });
    return this.checkpointing;
  }

  /** stop the intake and release the source; idempotent (the run may call it twice) */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      await this.loop;
      await this.checkpointing;
      await this.fh?.close().catch(() => {});
      this.fh = null;
      this.h.set('closed');
    })();
    return this.closing;
  }
}

export class FileEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'file';
  private readonly h = new HealthTracker('file', 'records');
  private fh: FileHandle | null = null;
  /** writeFrom's reused output buffer and the DataViews it copies with */
  private out: Buffer | null = null;
  private outView: DataView | null = null;
  private readonly lines = new ViewLines();

  constructor(readonly settings: z.output<typeof FileEgressSettings>) {}

  endpoint(): string {
    return this.settings.path;
  }
  health() {
    return this.h.snapshot();
  }

  async start(): Promise<void> {
    try {
      this.fh = await open(this.settings.path, this.settings.append ? 'a' : 'w');
    } catch (e) {
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw transportError(
        'file',
        `cannot open ${this.settings.path} for writing: ${errorText(e)}; check egress.path`,
        e,
      );
    }
    this.h.set('connected');
    this.h.lag(0);
  }

  async write(records: Uint8Array[]): Promise<void> {
    if (!this.fh) throw transportError('file', 'write before start or after close');
    const parts: Uint8Array[] = [];
    for (const r of records) {
      parts.push(r, NEWLINE);
    }
    this.h.lag(records.length);
    try {
      await this.fh.write(Buffer.concat(parts));
      if (this.settings.fsync) await this.fh.sync();
    } catch (e) {
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw transportError('file', `cannot write ${this.settings.path}: ${errorText(e)}`, e);
    }
    this.h.lag(0);
    this.h.count(records.length);
  }

  /** The batch in place: each record copied from its slot into one reused buffer with its `\n`, one write. */
  async writeFrom(view: EgressView): Promise<void> {
    if (!this.fh) throw transportError('file', 'write before start or after close');
    const n = view.count;
    const total = view.bytes + n;
    if (this.out === null || this.out.length < total) {
      this.out = Buffer.allocUnsafeSlow(Math.max(total, 64 * 1024));
      this.outView = dataViewOf(this.out);
    }
    const buf = this.out;
    const dst = this.outView!;
    this.lines.copy(view, buf, dst, 0);
    this.h.lag(n);
    try {
      // the buffer is reused only after this write resolved (the next batch comes after it)
      for (let at = 0; at < total; ) at += (await this.fh.write(buf, at, total - at)).bytesWritten;
      if (this.settings.fsync) await this.fh.sync();
    } catch (e) {
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw transportError('file', `cannot write ${this.settings.path}: ${errorText(e)}`, e);
    }
    this.h.lag(0);
    this.h.count(n);
  }

  async close(): Promise<void> {
    await this.fh?.close().catch(() => {});
    this.fh = null;
    this.h.set('closed');
  }
}

const NEWLINE = new Uint8Array([10]);

export const fileAdapter: AdapterFactory = {
  kind: 'file',
  summary: 'line-oriented file: read (optionally follow, with checkpoint) / append one line per record',
  direction: 'both',
  ingress: (settings) => track(new FileIngress(parseSettings(FileIngressSettings, settings, 'ingress', 'file'))),
  egress: (settings) => track(new FileEgress(parseSettings(FileEgressSettings, settings, 'egress', 'file'))),
};
