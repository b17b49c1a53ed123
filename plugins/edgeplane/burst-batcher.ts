import type { IngressSink } from '../../kernel/plugin-contract.ts';
import type { HealthTracker } from './health.ts';

/**
 * Messages a push-style source (core NATS, WebSocket) receives one callback at a time, into the
 * sink a burst at a time with no object or promise per message: `add` copies each message into
 * the tail chunk of a queue of reused buffers (its span beside it), and at the end of the current
 * synchronous burst (a microtask) every filled chunk goes into the sink with one `pushSpans`.
 * While a push is pending (the ring is full) the chunk it reads stays untouched and messages go
 * into the next chunks; chunks come back to a pool once pushed, so the steady state allocates
 * nothing. A message larger than a chunk is kept as it is (the client's buffer, never reused by
 * it) as a chunk of its own; one larger than the sink's slots is pushed all the same, and the
 * sink refuses and counts it in order.
 *
 * Bounded: with `maxBytes`, a message that would grow the queue beyond it is dropped and counted
 * (`dropped`, reported in `recent_failures` once the queue moves again); a source that can pause
 * (WebSocket) pauses at `high` queued messages instead (`onHigh`) and resumes at `low` (`onLow`).
 * The sink's `readBuffer` lends the first chunks (the core copies from there straight).
 */

/** bytes of one chunk */
export const CHUNK_BYTES = 64 * 1024;
/** most messages per chunk (one pushSpans call) */
export const CHUNK_SPANS = 2048;
/** chunks asked of the sink's read buffers (the rest are this process's memory) */
const LENT_CHUNKS = 2;

interface Chunk {
  bytes: Uint8Array;
  readonly spans: Uint32Array;
  count: number;
  used: number;
  /** a message kept as it is (a chunk of its own): not returned to the pool */
  single: boolean;
}

export interface BurstBatcherOptions {
  /** the most bytes of queued chunks; beyond it messages are dropped and counted (null: unbounded) */
  maxBytes: number | null;
  /** what the source calls its messages, for the reports (`messages`) */
  what: string;
  /** the setting that bounds the queue, for the report of drops */
  setting?: string;
  /** queued messages at which `onHigh` is called (a source that can pause) */
  high?: number;
  /** queued messages at which `onLow` is called after `onHigh` */
  low?: number;
  onHigh?(): void;
  onLow?(): void;
  /** the sink threw or rejected (the run is over): nothing more goes in */
  failed(error: unknown): void;
}

export class BurstBatcher {
  /** messages added and not yet handed to the sink */
  queued = 0;
  /** messages dropped because the queue was full (never pushed) */
  dropped = 0;
  private dropsReported = 0;
  /** chunks with messages, oldest first; the last one takes new messages unless it is being pushed */
  private readonly chunks: Chunk[] = [];
  private readonly pool: Chunk[] = [];
  private queuedBytes = 0;
  private lent = 0;
  /** the head chunk is in the sink (a pushSpans that has not settled) */
  private pushing = false;
  private flushQueued = false;
  private high = false;
  private stopped = false;
  private idle: Array<() => void> = [];
  private readonly pumpBound = () => {
    this.flushQueued = false;
    this.pump();
  };

  constructor(
    private readonly sink: IngressSink,
    private readonly h: HealthTracker,
    private readonly opts: BurstBatcherOptions,
  ) {}

  /** A message arrived: queued (copied unless larger than a chunk), or dropped and counted (false). */
  add(data: Uint8Array): boolean {
    const len = data.length;
    let tail = this.chunks.length ? this.chunks[this.chunks.length - 1]! : null;
    if (len > CHUNK_BYTES) {
      if (!this.room(len)) return this.drop();
      this.chunks.push({ bytes: data, spans: single(len), count: 1, used: len, single: true });
      this.queuedBytes += len;
    } else {
      if (
        tail === null ||
        tail.single ||
        (this.pushing && this.chunks.length === 1) ||
        tail.count === CHUNK_SPANS ||
        tail.used + len > tail.bytes.length
      ) {
        if (!this.room(CHUNK_BYTES)) return this.drop();
        tail = this.chunk();
        this.chunks.push(tail);
        this.queuedBytes += CHUNK_BYTES;
      }
      const at = tail.used;
      tail.bytes.set(data, at);
      tail.spans[2 * tail.count] = at;
      tail.spans[2 * tail.count + 1] = at + len;
      tail.count++;
      tail.used = at + len;
    }
    this.queued++;
    this.h.lag(this.queued);
    if (!this.high && this.opts.high !== undefined && this.queued >= this.opts.high) {
      this.high = true;
      this.opts.onHigh?.();
    }
    if (!this.flushQueued && !this.pushing) {
      this.flushQueued = true;
      queueMicrotask(this.pumpBound);
    }
    return true;
  }

  /** Stop handing chunks to the sink (close): what is queued stays queued (`queued`). */
  stop(): void {
    this.stopped = true;
    this.wakeIdle();
  }

  /** Resolves once nothing is being pushed (the sink no longer reads a chunk). */
  settled(): Promise<void> {
    if (!this.pushing) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** Say how many messages were dropped since the last report. */
  reportDrops(): void {
    const n = this.dropped - this.dropsReported;
    if (n === 0) return;
    this.dropsReported = this.dropped;
    this.h.fail(
      `${n} ${this.opts.what} dropped: more than ${this.opts.maxBytes} bytes were waiting for the ring` +
        `${this.opts.setting ? ` (${this.opts.setting})` : ''}; ${this.dropped} dropped in all`,
    );
  }

  private room(bytes: number): boolean {
    return this.opts.maxBytes === null || this.queuedBytes + bytes <= this.opts.maxBytes || this.chunks.length === 0;
  }

  private drop(): false {
    this.dropped++;
    return false;
  }

  private chunk(): Chunk {
    const c = this.pool.pop();
    if (c) return c;
    let bytes: Uint8Array | null = null;
    if (this.lent < LENT_CHUNKS && this.sink.pushSpans) {
      bytes = this.sink.readBuffer?.(CHUNK_BYTES) ?? null;
      this.lent++;
    }
    return {
      bytes: bytes ?? new Uint8Array(CHUNK_BYTES),
      spans: new Uint32Array(2 * CHUNK_SPANS),
      count: 0,
      used: 0,
      single: false,
    };
  }

  /** Hand the queued chunks to the sink, oldest first, until one push must wait. */
  private pump(): void {
    const sink = this.sink;
    while (!this.stopped && !this.pushing && this.chunks.length) {
      const c = this.chunks[0]!;
      this.pushing = true;
      let p: void | Promise<void>;
      try {
        p = sink.pushSpans ? sink.pushSpans(c.bytes, c.spans, c.count) : this.pushEach(c, 0);
      } catch (e) {
        this.fail(e);
        return;
      }
      if (p) {
        p.then(
          () => {
            this.pushed(c);
            this.pump();
          },
          (e: unknown) => this.fail(e),
        );
        return;
      }
      this.pushed(c);
    }
  }

  /**
   * A sink without pushSpans (a wrapping sink): one push per message, each a copy (such a sink may keep the
   * record it was given, and the chunk is reused); resolves once all are in.
   */
  private pushEach(c: Chunk, from: number): void | Promise<void> {
    for (let i = from; i < c.count; i++) {
      const p = this.sink.push(c.bytes.slice(c.spans[2 * i]!, c.spans[2 * i + 1]!));
      if (p) return p.then(() => this.pushEach(c, i + 1));
    }
  }

  private fail(e: unknown): void {
    this.stopped = true;
    this.pushing = false;
    this.wakeIdle();
    this.opts.failed(e);
  }

  /** chunk `c` (the head) is in the sink: count it, recycle it, go on */
  private pushed(c: Chunk): void {
    this.chunks.shift();
    this.pushing = false;
    this.queued -= c.count;
    this.h.count(c.count);
    this.h.lag(this.queued);
    if (c.single) this.queuedBytes -= c.used;
    else {
      this.queuedBytes -= CHUNK_BYTES;
      c.count = 0;
      c.used = 0;
      this.pool.push(c);
    }
    if (this.dropped !== this.dropsReported) this.reportDrops();
    if (this.high && this.queued <= (this.opts.low ?? 0)) {
      this.high = false;
      this.opts.onLow?.();
    }
    this.wakeIdle();
  }

  private wakeIdle(): void {
    if (this.pushing || this.idle.length === 0) return;
    const w = this.idle;
    this.idle = [];
    for (const f of w) f();
  }
}

function single(len: number): Uint32Array {
  const s = new Uint32Array(2);
  s[1] = len;
  return s;
}
