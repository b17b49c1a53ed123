/**
 * The ingress side of a SingleRing run, on the main thread: an IngressSink that routes each
 * record to its shard, copies it into a claimed slot and publishes per batch (when a shard
 * has PUBLISH_BATCH pending records, and at the end of the current synchronous burst of
 * pushes). A record larger than slot_bytes is refused and counted, never truncated. When a
 * ring is full, every shard is published first (egress may be waiting for one of them) and the
 * push resolves once the record is in the ring; pushes made meanwhile queue behind it in order.
 *
 * `pushSpans` is the batch form (the line ingress uses it): records are byte ranges of one
 * chunk, copied straight into their slots (no object per record). With one shard it claims the
 * slots of a run of records at once (up to the publish batch); with several it routes and
 * claims record by record. The producer is the only claimer of its rings, so it keeps each
 * ring's next sequence itself instead of asking the core per record.
 *
 * `waiting` counts the records an adapter handed over that are not in a ring yet (queued in
 * front of a full one); it moves only on that slow path, never per record placed.
 */
import type { BatchEvent } from '../hooks.ts';
import type { IngressSink } from '../plugin-contract.ts';
import { HALT_ABORTED, SLOT_HEADER, type RingHandle } from '../core/ring.ts';
import { SharedOffset } from './shared-offset.ts';
import { LastView, copyBytes, dataViewOf } from '../io/byte-copy.ts';
import { STAGING_SPANS, type IngressStaging } from './ingress-staging.ts';
import type { IngressReadBuffers } from './ingress-read-buffers.ts';
import type { RouteLog } from './route-log.ts';
import type { ShardRouter } from './shard-router.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export const PUBLISH_BATCH = 256;
/**
 * How many times a `pushSpans` that found its ring full moves egress (on this thread) before it
 * waits asynchronously: about 15 ns each while nothing is readable, so some 60 µs at most, in
 * which a stage a batch behind releases it. Counted, not timed: reading a clock allocates here.
 */
export const FULL_RING_PUMPS = 4096;
/**
 * A `pushSpans` of at most this many records (a `push`: one) is copied into its slots by this
 * thread directly; larger ones are staged for the core's batch write (ingress-staging.ts).
 */
const FEW_RECORDS = 4;
/** a record's mark in the several-shard path's route scratch: refused (larger than slot_bytes) */
const REFUSED = 255;

/** Receives each published batch before consumers can see it (the ingress journal). */
export interface PublishedBatchSink {
  batch(ring: RingHandle, shard: number, firstSeq: number, count: number): void;
  /** where the records are kept (the journal directory), for the report of undelivered records */
  readonly dir?: string;
  /** which run's records they are there (the journal's run_id) */
  readonly runId?: string;
}

export interface ProducerEvents {
  /** once per published batch (hooks.ingressBatch) */
  batch(event: BatchEvent): void;
  /** a record was refused (too large); `index` counts every record received, from 0 */
  refused(index: number, bytes: number, slotBytes: number): void;
  /** the source said it has no more records */
  ended(): void;
  /** the source failed for good */
  failed(error: Error): void;
}

/** What the producer asks of the egress reader that shares its thread (egress-reader.ts). */
export interface ProducerEgress {
  /** move what is readable now, synchronously; returns the records released */
  pump(): number;
  /**
   * undefined when egress can move now, else a promise that resolves when it may have moved on
   * (a write settled, the oldest record became readable)
   */
  progress(): Promise<void> | undefined;
}

export class RingProducer implements IngressSink {
  /** records received from the source (refused ones included) */
  received = 0;
  /** records refused because they are larger than slot_bytes */
  refused = 0;
  /** records copied into a ring */
  accepted = 0;
  /** records handed over but not in a ring yet (waiting in front of a full one) */
  waiting = 0;
  ended = false;
  private readonly pending: Int32Array;
  private readonly firstPending: Float64Array;
  /** per shard, the sequence the next claimed slot will have */
  private readonly nextSeq: Float64Array;
  /** the shared memory, for copying spans into slots */
  private readonly memView: DataView;
  private flushQueued = false;
  private blocked: Promise<void> | null = null;
  private waiters: Array<() => void> = [];
  private readonly slotBytes: number;
  private readonly flushBound = () => {
    this.flushQueued = false;
    this.flush();
  };
  private egress: ProducerEgress | null = null;
  /** records placed by pushSpans since it last pumped egress */
  private sincePump = 0;
  /** the span of a pushed record: [0, its length) */
  private readonly one = new Uint32Array(2);
  /** the one BatchEvent of this producer, refilled per publish (hooks.ingressBatch: never kept by a tap) */
  private readonly batchEvent: BatchEvent = { shard: 0, firstSeq: 0, count: 0 };
  /** the DataView of the last chunk copied record by record (kept while the same chunk comes back) */
  private readonly chunkView = new LastView();
  /** where a chunk lent from the shared memory starts there (the one-record path's test, per push) */
  private readonly shared: SharedOffset;
  /**
   * the several-shard batch path's scratch: each record's shard (REFUSED: too large), records per shard, list cursors
   */
  private readonly routeScratch = new Uint8Array(STAGING_SPANS);
  private readonly shardCounts: Int32Array;
  private readonly shardCursor: Int32Array;

  constructor(
    private readonly rings: RingHandle[],
    private readonly router: ShardRouter,
    private readonly log: RouteLog,
    private readonly events: ProducerEvents,
    private readonly journal: PublishedBatchSink | null,
    private readonly publishBatch = PUBLISH_BATCH,
    /** where the batch path stages chunks for the core (null: the per-record path only) */
    private readonly staging: IngressStaging | null = null,
    /** read buffers lent to the ingress adapter (readBuffer), if any */
    private readonly readBuffers: IngressReadBuffers | null = null,
  ) {
    this.pending = new Int32Array(rings.length);
    this.shardCounts = new Int32Array(rings.length);
    this.shardCursor = new Int32Array(rings.length);
    this.firstPending = new Float64Array(rings.length);
    this.slotBytes = rings[0]!.slotBytes;
    this.nextSeq = new Float64Array(rings.length);
    rings.forEach((r, i) => {
      this.nextSeq[i] = r.next();
    });
    this.memView = dataViewOf(rings[0]!.u8);
    this.shared = new SharedOffset(rings[0]!.u8.buffer);
  }

  /**
   * One record: the one-span form of `pushSpans` (the same placement, refusal and blocking), with
   * its ack token, published with the other records of the current synchronous burst (a
   * microtask) or when a publish batch is full.
   */
  push(record: Uint8Array, ackToken?: unknown): void | Promise<void> {
    if (this.blocked) return this.pushAfter(this.blocked, record, ackToken);
    if (this.ended)
      throw KernelErrors.error(
        'BYTEOR_E_INGRESS_AFTER_END',
        'an ingress adapter pushed a record after end(); this is a bug in the adapter',
      );
    const one = this.one;
    one[1] = record.length;
    if (this.placeSpans(record, one, 0, 1, ackToken, false) === 1) return;
    return this.block(this.spansWhenFree(record, one, 0, 1, ackToken));
  }

  /*
   * The blocked paths live in methods of their own: a function whose parameters a closure
   * captures allocates a context for them on every call, taken or not, so pushSpans and push
   * create no closure (the one-record path allocated ~56 bytes per record that way).
   */

  /** `push` once the push that blocked settled. */
  private pushAfter(blocked: Promise<void>, record: Uint8Array, ackToken: unknown): Promise<void> {
    this.waiting++;
    return blocked.then(() => {
      this.waiting--;
      return this.push(record, ackToken);
    });
  }

  /** `pushSpans` once the push that blocked settled. */
  private pushSpansAfter(blocked: Promise<void>, bytes: Uint8Array, spans: Uint32Array, count: number): Promise<void> {
    this.waiting += count;
    return blocked.then(() => {
      this.waiting -= count;
      return this.pushSpans(bytes, spans, count);
    });
  }

  /** Pushes wait behind `waiting` (a ring was full) until it settles. */
  private block(waiting: Promise<void>): Promise<void> {
    const p = waiting.finally(() => {
      if (this.blocked === p) this.blocked = null;
    });
    this.blocked = p;
    return p;
  }

  /** Book a record just written to `seq` of `shard` (logged already): publish per batch. */
  private placed(shard: number, seq: number): void {
    this.accepted++;
    if (this.pending[shard]++ === 0) this.firstPending[shard] = seq;
    if (this.pending[shard]! >= this.publishBatch) this.publishShard(shard);
    else this.publishSoon();
  }

  /** Publish what is pending at the end of the current synchronous burst of pushes. */
  private publishSoon(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushBound);
    }
  }

  pushSpans(bytes: Uint8Array, spans: Uint32Array, count: number): void | Promise<void> {
    if (this.blocked) return this.pushSpansAfter(this.blocked, bytes, spans, count);
    if (this.ended)
      throw KernelErrors.error(
        'BYTEOR_E_INGRESS_AFTER_END',
        'an ingress adapter pushed a record after end(); this is a bug in the adapter',
      );
    let i = this.placeSpans(bytes, spans, 0, count, undefined, true);
    const egress = this.egress;
    // this thread is also egress: move what the stages finished, which frees slots, once a
    // publish batch was placed since the last pump (small calls leave egress to batch up: a pump
    // per record would write and release record by record) or the ring is full; while it is full, keep doing so
    // for a bounded number of tries (the stages are a batch or so behind) before the
    // asynchronous wait, which costs promises and an event-loop turn. Below the mark, the
    // reader's own loop delivers what is left when the event loop turns.
    this.sincePump += i;
    if (egress !== null && (i < count || this.sincePump >= this.publishBatch)) {
      this.sincePump = 0;
      let tries = 0;
      for (;;) {
        const moved = egress.pump();
        if (i === count) break;
        if (moved > 0) {
          i = this.placeSpans(bytes, spans, i, count, undefined, true);
          tries = 0;
          continue;
        }
        if (++tries > FULL_RING_PUMPS || this.rings[0]!.halt() === HALT_ABORTED) break;
      }
    }
    if (i === count) return;
    return this.block(this.spansWhenFree(bytes, spans, i, count, undefined));
  }

  /**
   * Place spans from record `i` on while their ring has room; returns the first record not
   * placed. `token` is the ack token of a single record (push); `publishNow` publishes the
   * one-shard batch at the end of the call (pushSpans) instead of with the burst (push).
   */
  private placeSpans(
    bytes: Uint8Array,
    spans: Uint32Array,
    i: number,
    count: number,
    token: unknown,
    publishNow: boolean,
  ): number {
    const slotBytes = this.slotBytes;
    if (this.rings.length === 1 && i < count) {
      if (count - i <= FEW_RECORDS) return this.placeFew(bytes, spans, i, count, token, publishNow);
      if (this.staging !== null) {
        const placed = this.placeSpansInCore(bytes, spans, i, count, token, publishNow);
        if (placed >= 0) return placed;
      }
    }
    if (this.rings.length === 1) {
      // a chunk larger than the staging area: claim the slots of the next records that fit, up
      // to a publish batch, and copy record by record
      const ring = this.rings[0]!;
      while (i < count) {
        const room = this.publishBatch - this.pending[0]!;
        let want = 0;
        for (let j = i; j < count && want < room; j++) if (spans[2 * j + 1]! - spans[2 * j]! <= slotBytes) want++;
        const got = want === 0 ? 0 : ring.tryClaim(want);
        if (want > 0 && got === 0) return i;
        let left = got;
        while (i < count && (left > 0 || want === 0)) {
          const start = spans[2 * i]!;
          const len = spans[2 * i + 1]! - start;
          i++;
          if (len > slotBytes) {
            this.countRefused(len);
            continue;
          }
          this.received++;
          this.placeSpan(ring, 0, bytes, start, len, token);
          left--;
        }
      }
      return i;
    }
    if (this.staging !== null && count - i > FEW_RECORDS) {
      const placed = this.placeSpansSharded(bytes, spans, i, count, publishNow);
      if (placed >= 0) return placed;
    }
    while (i < count) {
      const start = spans[2 * i]!;
      const end = spans[2 * i + 1]!;
      if (end - start > slotBytes) {
        this.countRefused(end - start);
        i++;
        continue;
      }
      const shard = this.router.shardOf(bytes, start, end);
      const ring = this.rings[shard]!;
      if (ring.tryClaim(1) === 0) return i;
      this.received++;
      this.placeSpan(ring, shard, bytes, start, end - start, token);
      i++;
    }
    return i;
  }

  /**
   * The one-shard path of a few records (a push, one record per publish): each is claimed and
   * copied straight into its slot here, with no staging: staging one record costs a copy into
   * the staging area, its span and the core's copy, where one JS copy into the slot does; a
   * record already in the shared memory (a lent read buffer) is claimed and copied by one core
   * call (`tryWriteOne`).
   * Returns the first record not placed (the ring is full).
   */
  private placeFew(
    bytes: Uint8Array,
    spans: Uint32Array,
    i: number,
    count: number,
    token: unknown,
    publishNow: boolean,
  ): number {
    const ring = this.rings[0]!;
    const slotBytes = this.slotBytes;
    // bytes in the shared memory (a lent read buffer): the core claims and copies in one call
    const at = this.shared.of(bytes);
    while (i < count) {
      const start = spans[2 * i]!;
      const len = spans[2 * i + 1]! - start;
      if (len > slotBytes) {
        this.countRefused(len);
        i++;
        continue;
      }
      const seq = this.nextSeq[0]!;
      if (at >= 0) {
        if (ring.tryWriteOne(at + start, len) === 0) break;
      } else {
        if (ring.tryClaim(1) === 0) break;
        const slot = ring.slotOffset(seq);
        if (start === 0 && len === bytes.length) ring.u8.set(bytes, slot + SLOT_HEADER);
        else copyBytes(this.chunkView.of(bytes), start, this.memView, slot + SLOT_HEADER, len);
        ring.u32[slot >>> 2] = len;
      }
      this.nextSeq[0] = seq + 1;
      this.received++;
      this.accepted++;
      this.log.append(0, token);
      if (this.pending[0]++ === 0) this.firstPending[0] = seq;
      i++;
      if (this.pending[0]! >= this.publishBatch) this.publishShard(0);
    }
    if (this.pending[0]! > 0) {
      if (publishNow) this.publishShard(0);
      else this.publishSoon();
    }
    return i;
  }

  /**
   * The one-shard batch path: the chunk and its spans are staged in the shared memory (once per
   * call) and the core claims, copies and sizes a publish batch of slots per call
   * (`tryWriteSpans`); this thread books the batch as a whole (route log run, counters) and
   * publishes it. Returns the first record not placed (the ring is full), or -1 when the chunk
   * does not fit the staging area (the caller takes the per-record path).
   */
  private placeSpansInCore(
    bytes: Uint8Array,
    spans: Uint32Array,
    i: number,
    count: number,
    token: unknown,
    publishNow: boolean,
  ): number {
    const staging = this.staging!;
    let lo = spans[2 * i]!;
    let hi = spans[2 * i + 1]!;
    for (let j = i + 1; j < count; j++) {
      const a = spans[2 * j]!;
      const b = spans[2 * j + 1]!;
      if (a < lo) lo = a;
      if (b > hi) hi = b;
    }
    const whole = lo === 0 && hi === bytes.length;
    const src = staging.stageBytes(bytes, lo, hi, whole ? null : this.chunkView.of(bytes));
    if (src === -1) return -1;
    const at = staging.stageSpans(spans, i, count);
    if (at === -1) return -1;
    const ring = this.rings[0]!;
    const slotBytes = this.slotBytes;
    const first = i;
    while (i < count) {
      const room = this.publishBatch - this.pending[0]!;
      const want = count - i < room ? count - i : room;
      const k = ring.tryWriteSpans(src, at + (i - first) * 8, want);
      if (k > 0) {
        const seq = this.nextSeq[0]!;
        this.nextSeq[0] = seq + k;
        this.received += k;
        this.accepted += k;
        if (token !== undefined)
          this.log.append(0, token); // a push: k = 1
        else this.log.appendRun(0, k);
        if (this.pending[0] === 0) this.firstPending[0] = seq;
        this.pending[0] += k;
        i += k;
        if (this.pending[0]! >= this.publishBatch) this.publishShard(0);
        continue;
      }
      const len = spans[2 * i + 1]! - spans[2 * i]!;
      if (len > slotBytes) {
        this.countRefused(len);
        i++;
        continue;
      }
      break; // the ring is full
    }
    if (this.pending[0]! > 0) {
      if (publishNow) this.publishShard(0);
      else this.publishSoon();
    }
    return i;
  }

  /**
   * The several-shard batch path: every record of the call is routed first (its shard kept in a
   * scratch array, a refused one marked), and when every ring has room for all of its records, the
   * chunk is staged once, each record's span is gathered into its shard's list in the staging
   * area (in ingress order, which the route log keeps across shards), and each shard's records
   * are written with one core call and published. Returns -1 (the caller goes record by record)
   * when a ring lacks room for its share, or the call is too large for the staging area.
   */
  private placeSpansSharded(
    bytes: Uint8Array,
    spans: Uint32Array,
    i: number,
    count: number,
    publishNow: boolean,
  ): number {
    const staging = this.staging!;
    const n = count - i;
    if (n > STAGING_SPANS) return -1;
    const rings = this.rings;
    const shards = rings.length;
    const slotBytes = this.slotBytes;
    const route = this.routeScratch;
    const perShard = this.shardCounts;
    perShard.fill(0);
    let lo = spans[2 * i]!;
    let hi = spans[2 * i + 1]!;
    for (let j = 0; j < n; j++) {
      const start = spans[2 * (i + j)]!;
      const end = spans[2 * (i + j) + 1]!;
      if (start < lo) lo = start;
      if (end > hi) hi = end;
      if (end - start > slotBytes) {
        route[j] = REFUSED;
        continue;
      }
      const shard = this.router.shardOf(bytes, start, end);
      route[j] = shard;
      perShard[shard]++;
    }
    for (let s = 0; s < shards; s++) if (perShard[s]! > 0 && rings[s]!.free() < perShard[s]!) return -1;
    const src = staging.stageBytes(bytes, lo, hi, lo === 0 && hi === bytes.length ? null : this.chunkView.of(bytes));
    if (src === -1) return -1;
    // shard s's spans from pair `listAt[s]` of the staging area's span list
    const listAt = this.shardCursor;
    let at = 0;
    for (let s = 0; s < shards; s++) {
      listAt[s] = at;
      at += perShard[s]!;
    }
    const u32 = staging.u32;
    const list = staging.spansOffset >>> 2;
    for (let j = 0; j < n; j++) {
      const shard = route[j]!;
      const start = spans[2 * (i + j)]!;
      if (shard === REFUSED) {
        this.countRefused(spans[2 * (i + j) + 1]! - start);
        continue;
      }
      const k = list + 2 * listAt[shard]!++;
      u32[k] = start;
      u32[k + 1] = spans[2 * (i + j) + 1]!;
      this.received++;
      this.log.append(shard, undefined);
    }
    for (let s = 0, first = 0; s < shards; first += perShard[s]!, s++) {
      const want = perShard[s]!;
      if (want === 0) continue;
      const got = rings[s]!.tryWriteSpans(src, staging.spansOffset + first * 8, want);
      if (got !== want)
        throw KernelErrors.error(
          'BYTEOR_E_INTERNAL',
          `shard ${s} took ${got} of the ${want} records it had room for; this is a bug in the runtime`,
        );
      const seq = this.nextSeq[s]!;
      this.nextSeq[s] = seq + want;
      this.accepted += want;
      if (this.pending[s] === 0) this.firstPending[s] = seq;
      this.pending[s] += want;
      if (publishNow || this.pending[s]! >= this.publishBatch) this.publishShard(s);
      else this.publishSoon();
    }
    return count;
  }

  /** Copy one record into the next slot of `shard` (a whole record by set, a range by the word loop). */
  private placeSpan(
    ring: RingHandle,
    shard: number,
    bytes: Uint8Array,
    start: number,
    len: number,
    token: unknown,
  ): void {
    const seq = this.nextSeq[shard]!;
    this.nextSeq[shard] = seq + 1;
    if (start === 0 && len === bytes.length) {
      ring.write(seq, bytes);
    } else {
      const slot = ring.slotOffset(seq);
      copyBytes(this.chunkView.of(bytes), start, this.memView, slot + SLOT_HEADER, len);
      ring.u32[slot >>> 2] = len;
    }
    this.log.append(shard, token);
    this.placed(shard, seq);
  }

  /**
   * The egress side on this thread (the executor attaches its EgressReader). When a ring is
   * full, the producer moves egress itself before it waits: the producer gates on the egress
   * cell, which only this thread advances.
   */
  attachEgress(egress: ProducerEgress): void {
    this.egress = egress;
  }

  /** A read buffer in the shared memory (IngressSink.readBuffer): its records need no staging. */
  readBuffer(bytes: number): Uint8Array | null {
    return this.readBuffers?.lend(bytes) ?? null;
  }

  get maxRecordBytes(): number {
    return this.slotBytes;
  }

  /** A record of `bytes` bytes (> slot_bytes) that the adapter did not buffer: counted as refused, in order. */
  refuse(bytes: number): void | Promise<void> {
    if (this.blocked) return this.refuseAfter(this.blocked, bytes);
    this.countRefused(bytes);
  }

  /** `refuse` once the push that blocked settled. */
  private refuseAfter(blocked: Promise<void>, bytes: number): Promise<void> {
    this.waiting++;
    return blocked.then(() => {
      this.waiting--;
      return this.refuse(bytes);
    });
  }

  /** Count the next record received as refused (too large), at its place in ingress order. */
  private countRefused(bytes: number): void {
    const index = this.received++;
    this.refused++;
    this.events.refused(index, bytes, this.slotBytes);
  }

  /** The ring of span `i` was full: publish, wait for room, go on (spans after it queue behind). */
  private async spansWhenFree(
    bytes: Uint8Array,
    spans: Uint32Array,
    i: number,
    count: number,
    token: unknown,
  ): Promise<void> {
    this.waiting += count - i;
    while (i < count) {
      const ring = this.rings[this.router.shardOf(bytes, spans[2 * i]!, spans[2 * i + 1]!)]!;
      this.flush();
      if (ring.halt() === HALT_ABORTED) {
        this.waiting -= count - i;
        this.received += count - i;
        return;
      } // the run failed; counted as not delivered
      const room = this.roomIn(ring);
      if (room !== undefined) await room;
      const from = i;
      i = this.placeSpans(bytes, spans, i, count, token, token === undefined);
      this.waiting -= i - from;
    }
  }

  /**
   * Wait until `ring` may have a free slot: egress on this thread moves first, then the stages
   * are awaited. Not async: undefined when there is room now (no promise, no suspended frame).
   */
  private roomIn(ring: RingHandle): Promise<void> | undefined {
    const egress = this.egress;
    if (egress === null) return ring.hasRoom(1) ? undefined : ring.waitForSpace(1);
    while (!ring.hasRoom(1)) {
      if (egress.pump() > 0) return undefined;
      const later = egress.progress();
      if (later !== undefined) return this.roomLater(ring, later);
    }
    return undefined;
  }

  /** `roomIn` once it had to wait: a loop, so a long wait is one frame, not a chain of them. */
  private async roomLater(ring: RingHandle, first: Promise<void>): Promise<void> {
    let later: Promise<void> | undefined = first;
    while (later !== undefined) {
      await later;
      later = this.roomIn(ring);
    }
  }

  /** The sequence the next record of `shard` will have (records before it are in the ring or left it). */
  nextSequence(shard: number): number {
    return this.nextSeq[shard]!;
  }

  /** Publish every shard's pending records. */
  flush(): void {
    for (let s = 0; s < this.rings.length; s++) if (this.pending[s]! > 0) this.publishShard(s);
  }

  private publishShard(shard: number): void {
    const ring = this.rings[shard]!;
    const count = this.pending[shard]!;
    const firstSeq = this.firstPending[shard]!;
    this.pending[shard] = 0;
    if (this.journal) this.journal.batch(ring, shard, firstSeq, count);
    ring.publish();
    const e = this.batchEvent;
    e.shard = shard;
    e.firstSeq = firstSeq;
    e.count = count;
    this.events.batch(e);
    this.wakeWaiters();
  }

  end(): void {
    if (this.blocked) {
      void this.blocked.then(() => this.end());
      return;
    }
    if (this.ended) return;
    this.flush();
    this.ended = true;
    for (const r of this.rings) r.end();
    this.wakeWaiters();
    this.events.ended();
  }

  fail(error: Error): void {
    this.events.failed(error);
  }

  /** Resolves at the next publish or at the end (for the egress reader when it caught up). */
  whenMore(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wake whoever waits in `whenMore` (the run is stopping). */
  interrupt(): void {
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
