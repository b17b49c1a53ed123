/**
 * The egress side of a SingleRing run, on the main thread. Each ring has an egress reader cell
 * that waits for the ring's terminal stages (the release boundary); the producer gates on it,
 * so a slot is reused only after its record left through the egress adapter. Records are read
 * in ingress order (RouteLog), handed to the adapter in batches, and released once the write
 * resolved; the ingress adapter's ack tokens of those records are then acknowledged. Dropped
 * records are counted, not written.
 *
 * The reader walks ranges: one `available` call per shard tells how far that shard's ring may
 * be read, and the records up to there are taken without another call into the core. An
 * adapter with `writeFrom` gets the batch in place (an EgressView over the ring slots: offsets
 * and lengths in reused arrays, no object per record); an adapter with only `write` gets the same
 * view through `copyingWriteFrom`, a copy of each record (it may keep them): one path for both.
 */
import type { EgressAdapter, EgressView, IngressAdapter } from '../plugin-contract.ts';
import { DROPPED_BIT, EGRESS_CELL, HALT_ABORTED, LENGTH_MASK, SLOT_HEADER, type RingHandle } from '../core/ring.ts';
import type { RouteLog } from './route-log.ts';
import type { RingProducer } from './producer.ts';
import { turn } from './event-loop-turns.ts';

export const EGRESS_BATCH = 1024;

/** The reused EgressView of one reader: the records of the batch being written. */
class SlotRun implements EgressView {
  count = 0;
  bytes = 0;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  constructor(
    readonly memory: Uint8Array,
    batchMax: number,
  ) {
    this.offsets = new Uint32Array(batchMax);
    this.lengths = new Uint32Array(batchMax);
  }
  offset(i: number): number {
    return this.offsets[i]!;
  }
  length(i: number): number {
    return this.lengths[i]!;
  }
}

/**
 * One egress path: an adapter with only `write` gets it through this `writeFrom`, which copies
 * each record of the view out (the adapter may keep the copies).
 */
export function copyingWriteFrom(adapter: Pick<EgressAdapter, 'write'>): (view: EgressView) => Promise<void> {
  return (view) => {
    const records = new Array<Uint8Array>(view.count);
    for (let i = 0; i < view.count; i++) {
      const off = view.offset(i);
      records[i] = view.memory.slice(off, off + view.length(i));
    }
    return adapter.write(records);
  };
}

export class EgressReader {
  /** records written through the adapter */
  out = 0;
  /** records a stage dropped */
  dropped = 0;
  private readonly nextSeq: Float64Array;
  /** per shard, the highest sequence the last `available` call allowed */
  private readonly readable: Float64Array;
  private readonly touched: Uint8Array;
  /** the batch in place */
  private readonly run_: SlotRun;
  /** the adapter's writeFrom, or a copying one over its write */
  private readonly writeFrom: (view: EgressView) => Promise<void> | void;
  private tokens: unknown[] = [];
  /** records read but not yet released (written ones and dropped ones) */
  private held = 0;
  private stopped = false;
  /** the write (or ack) in flight when the adapter answered with a promise */
  private inflight: Promise<void> | null = null;
  /** `inflight`, settled either way (what `progress` hands a waiter) */
  private inflightSettled: Promise<void> | null = null;
  private failed = false;
  private failure: unknown = undefined;

  constructor(
    private readonly rings: RingHandle[],
    private readonly log: RouteLog,
    private readonly producer: RingProducer,
    private readonly adapter: EgressAdapter,
    private readonly ingress: IngressAdapter | null,
    private readonly batchMax = EGRESS_BATCH,
  ) {
    this.nextSeq = new Float64Array(rings.length);
    this.readable = new Float64Array(rings.length);
    rings.forEach((r, i) => {
      this.nextSeq[i] = r.cellSeq(EGRESS_CELL) + 1;
      this.readable[i] = this.nextSeq[i]! - 1;
    });
    this.touched = new Uint8Array(rings.length);
    this.run_ = new SlotRun(rings[0]!.u8, batchMax);
    this.writeFrom = adapter.writeFrom ? adapter.writeFrom.bind(adapter) : copyingWriteFrom(adapter);
  }

  /** Stop after the current batch (the run aborted); an adapter waiting out an outage stops retrying. */
  stop(): void {
    this.stopped = true;
    this.adapter.interrupt?.();
  }

  /**
   * Move what is readable now, on the calling thread, while the adapter writes synchronously:
   * take a batch, write it, release its slots, again. Returns the records released. The
   * producer calls it after each batch it publishes and when its ring is full (it shares this
   * thread with egress, so waiting for the egress cell without moving egress would wait for
   * itself); `run` calls it too. An adapter that answers with a promise leaves that write in
   * flight (`inflight`) and the pump stops until it settled: `run` awaits it and reports a failure.
   */
  pump(): number {
    if (this.inflight !== null || this.stopped || this.failed) return 0;
    let moved = 0;
    for (;;) {
      const full = this.take();
      const n = this.held;
      if (n === 0) return moved;
      const p = this.writeBatch();
      if (p !== undefined) {
        this.track(p);
        return moved;
      }
      moved += n;
      if (!full) return moved;
    }
  }

  /**
   * Undefined when egress can move now (the oldest record is readable after a brief spin), else
   * a promise that resolves when it may have moved on: an in-flight write settled, or the oldest
   * record became readable (or the run ended). When egress cannot move (it failed or stopped, or
   * that ring ended or aborted), it resolves only after the event loop turned: the executor hears
   * of a failure there (`run` wakes from an async wait, a task), and a caller that loops on `pump`
   * and `progress` (the producer waiting for room) would otherwise spin in microtasks and never
   * let it (a hung run, its signals unheard). Not async: the producer waits here each time its
   * ring is full, and a promise only when it must sleep keeps that wait from allocating.
   */
  progress(): Promise<void> | undefined {
    if (this.inflight !== null) return this.inflightSettled!;
    if (this.log.size === 0 || this.stopped || this.failed) return turn();
    const shard = this.log.peekShard();
    const seq = this.nextSeq[shard]!;
    const ring = this.rings[shard]!;
    if (ring.spinForAvailable(EGRESS_CELL, seq) >= seq) return undefined;
    return this.sleepUntilReadable(ring, seq);
  }

  private async sleepUntilReadable(ring: RingHandle, seq: number): Promise<void> {
    const avail = await ring.waitForAvailable(EGRESS_CELL, seq, true);
    if (avail < seq) await turn();
  }

  /** Resolves when every accepted record left (or the run aborted); rejects when the adapter failed. */
  async run(): Promise<void> {
    const log = this.log;
    while (!this.stopped) {
      if (this.inflight !== null) {
        await this.inflight;
        continue;
      }
      if (this.failed) throw this.failure;
      if (log.size === 0) {
        if (this.producer.ended) break;
        await this.producer.whenMore();
        continue;
      }
      if (this.pump() > 0 || this.inflight !== null) continue;
      // the oldest record is not readable yet
      const shard = log.peekShard();
      const ring = this.rings[shard]!;
      const seq = this.nextSeq[shard]!;
      let avail = ring.spinForAvailable(EGRESS_CELL, seq);
      if (avail < seq) avail = await ring.waitForAvailable(EGRESS_CELL, seq, true);
      if (avail < seq) {
        if (ring.halt() === HALT_ABORTED) break;
        continue;
      }
      if (avail > this.readable[shard]!) this.readable[shard] = avail;
    }
    if (this.inflight !== null) await this.inflight;
    if (this.failed) throw this.failure;
  }

  /** A write (or ack) that answered with a promise: in flight until it settles; a failure wakes `run`. */
  private track(p: Promise<void>): void {
    const q = p.then(
      () => {
        this.inflight = null;
      },
      (e: unknown) => {
        this.inflight = null;
        this.failed = true;
        this.failure = e;
        this.producer.interrupt();
        throw e;
      },
    );
    this.inflightSettled = q.catch(() => {}); // `run` reports it
    this.inflight = q;
  }

  /**
   * Take records in log order while they are readable, without waiting. Returns true when the
   * batch is full, false when the log is empty or the oldest record is not readable yet.
   */
  private take(): boolean {
    if (this.rings.length === 1) return this.takeRuns();
    const log = this.log;
    const rings = this.rings;
    const nextSeq = this.nextSeq;
    const readable = this.readable;
    const run = this.run_;
    const max = this.batchMax;
    while (log.size > 0) {
      const shard = log.peekShard();
      const ring = rings[shard]!;
      const seq = nextSeq[shard]!;
      if (seq > readable[shard]!) {
        const avail = ring.available(EGRESS_CELL, seq);
        if (avail < seq) return false;
        readable[shard] = avail;
      }
      const token = log.shift();
      const slot = ring.slotOffset(seq);
      const word = ring.u32[slot >>> 2]!;
      if ((word & DROPPED_BIT) !== 0) {
        this.dropped++;
      } else {
        const len = word & LENGTH_MASK;
        const k = run.count++;
        run.offsets[k] = slot + SLOT_HEADER;
        run.lengths[k] = len;
        run.bytes += len;
      }
      if (token !== undefined) this.tokens.push(token); // a dropped record is done too: ack it
      nextSeq[shard] = seq + 1;
      this.touched[shard] = 1;
      if (++this.held >= max) return true;
    }
    return false;
  }

  /**
   * `take` for one ring: every record in the log is that ring's, so the readable ones are taken as
   * a run (one bound for the run, its tokens in one pass when there are any), not record by record.
   */
  private takeRuns(): boolean {
    const log = this.log;
    const ring = this.rings[0]!;
    const run = this.run_;
    const u32 = ring.u32;
    const slotsBase = ring.slotsBase;
    const mask = ring.mask;
    const stride = ring.stride;
    for (;;) {
      const size = log.size;
      if (size === 0) return false;
      const seq = this.nextSeq[0]!;
      if (seq > this.readable[0]!) {
        const avail = ring.available(EGRESS_CELL, seq);
        if (avail < seq) return false;
        this.readable[0] = avail;
      }
      let n = this.readable[0]! - seq + 1;
      if (n > size) n = size;
      if (n > this.batchMax - this.held) n = this.batchMax - this.held;
      let k = run.count;
      let bytes = 0;
      for (let s = seq, end = seq + n; s < end; s++) {
        const slot = slotsBase + (s & mask) * stride;
        const word = u32[slot >>> 2]!;
        if ((word & DROPPED_BIT) !== 0) this.dropped++;
        else {
          const len = word & LENGTH_MASK;
          run.offsets[k] = slot + SLOT_HEADER;
          run.lengths[k++] = len;
          bytes += len;
        }
      }
      run.count = k;
      run.bytes += bytes;
      log.shiftRun(n, this.tokens); // a dropped record is done too: ack it
      this.nextSeq[0] = seq + n;
      this.touched[0] = 1;
      this.held += n;
      if (this.held >= this.batchMax) return true;
    }
  }

  /**
   * Write the held records; undefined when it completed synchronously (write, release, ack), else the promise of the
   * rest.
   */
  private writeBatch(): void | Promise<void> {
    const tokens = this.tokens;
    if (tokens.length) this.tokens = [];
    this.held = 0;
    const run = this.run_;
    const n = run.count;
    const p = n ? this.writeFrom(run) : undefined;
    if (p !== undefined) return p.then(() => this.written(n, tokens));
    return this.written(n, tokens);
  }

  /** The destination accepted `n` records: release their slots, then acknowledge their tokens. */
  private written(n: number, tokens: unknown[]): void | Promise<void> {
    const run = this.run_;
    run.count = 0;
    run.bytes = 0;
    this.out += n;
    this.releaseTouched();
    if (tokens.length && this.ingress?.ack) return this.ingress.ack(tokens);
  }

  private releaseTouched(): void {
    for (let s = 0; s < this.rings.length; s++) {
      if (this.touched[s]) {
        this.touched[s] = 0;
        this.rings[s]!.release(EGRESS_CELL, this.nextSeq[s]! - 1);
      }
    }
  }
}
