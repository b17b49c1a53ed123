/**
 * The ingress side of a LaneGraph run, on the main thread: an IngressSink that writes each
 * record into the lane of every ingress endpoint (the run's one input is bound to each of
 * them), publishing per batch (PUBLISH_BATCH pending records, or the end of the current
 * synchronous burst of pushes). A record larger than lane_graph.slot_bytes is refused and
 * counted, never truncated. A full ingress lane: on_full=block publishes everything pending
 * and the push resolves once the record is in (pushes made meanwhile queue behind it, in
 * order); on_full=drop publishes pending records, and if the lane is still full refuses the
 * record and counts it in the lane's drops_full.
 *
 * `waiting` counts the records handed over that are not in every ingress lane yet (the one
 * blocked at a full lane and those queued behind it); `queued` those of them not yet counted in
 * `received`. Both move only on that slow path.
 *
 * Ack tokens are kept in order with the count of records published before them; the egress
 * side acknowledges them at quiescent points (egress-reader.ts).
 */
import type { IngressSink } from '../plugin-contract.ts';
import { LANE_HALT, type LaneHandle } from '../core/lane.ts';
import type { ProducerEvents } from '../exec/producer.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export const PUBLISH_BATCH = 256;

/** Receives each published batch of the first ingress lane before readers can see it (the ingress journal). */
export interface IngressBatchSink {
  batch(
    lane: { u8: Uint8Array; length(seq: number): number; payloadOffset(seq: number): number },
    shard: number,
    firstSeq: number,
    count: number,
  ): void;
  /** where the records are kept (the journal directory), for the report of undelivered records */
  readonly dir?: string;
  /** which run's records they are there (the journal's run_id) */
  readonly runId?: string;
}

/**
 * The ingress side's events are the SingleRing producer's (one batch event per published batch
 * of an ingress lane, `shard` = the ingress endpoint's position).
 */
export type IngressEvents = ProducerEvents;

export class IngressWriter implements IngressSink {
  /** records received from the source (refused ones included) */
  received = 0;
  refused = 0;
  ended = false;
  /** records written into every ingress lane (or dropped there) */
  accepted = 0;
  /** records handed over, not yet in every ingress lane */
  waiting = 0;
  /** records handed over behind a blocked one (not yet counted in `received`) */
  queued = 0;
  /** ack tokens of accepted records (only records that came with one), oldest first, with their record index */
  private tokens: unknown[] = [];
  private tokenIndex: number[] = [];
  /** `accepted` at the last flush: every record before it is published on every ingress lane */
  private published = 0;
  private readonly pending: Int32Array;
  private readonly firstPending: Float64Array;
  private flushQueued = false;
  private blocked: Promise<void> | null = null;
  private readonly flushBound = () => {
    this.flushQueued = false;
    this.flush();
  };

  constructor(
    private readonly lanes: LaneHandle[],
    private readonly drop: boolean,
    private readonly events: IngressEvents,
    private readonly journal: IngressBatchSink | null,
    private readonly publishBatch = PUBLISH_BATCH,
  ) {
    this.pending = new Int32Array(lanes.length);
    this.firstPending = new Float64Array(lanes.length);
  }

  get slotBytes(): number {
    return this.lanes[0]!.slotBytes;
  }
  get maxRecordBytes(): number {
    return this.slotBytes;
  }

  /** A record of `bytes` bytes (> slot_bytes) that the adapter did not buffer: counted as refused, in order. */
  refuse(bytes: number): void | Promise<void> {
    if (this.blocked) {
      this.queued++;
      this.waiting++;
      return this.blocked.then(() => {
        this.queued--;
        this.waiting--;
        return this.refuse(bytes);
      });
    }
    this.countRefused(bytes);
  }

  /** Count the next record received as refused (too large), at its place in ingress order. */
  private countRefused(bytes: number): void {
    const index = this.received++;
    this.refused++;
    this.events.refused(index, bytes, this.slotBytes);
  }

  push(record: Uint8Array, ackToken?: unknown): void | Promise<void> {
    if (this.blocked) {
      this.queued++;
      this.waiting++;
      return this.blocked.then(() => {
        this.queued--;
        this.waiting--;
        return this.push(record, ackToken);
      });
    }
    if (this.ended)
      throw KernelErrors.error(
        'BYTEOR_E_INGRESS_AFTER_END',
        'an ingress adapter pushed a record after end(); this is a bug in the adapter',
      );
    if (record.length > this.slotBytes) {
      this.countRefused(record.length);
      return;
    }
    this.received++;
    return this.place(record, ackToken, 0);
  }

  /** Write the record into lanes from..end; waits (block) at the first full one. */
  private place(record: Uint8Array, ackToken: unknown, from: number): void | Promise<void> {
    for (let l = from; l < this.lanes.length; l++) {
      const lane = this.lanes[l]!;
      let seq = lane.next();
      if (lane.tryClaim(1) === 0) {
        this.flush();
        seq = lane.next();
        if (lane.tryClaim(1) === 0) {
          if (this.drop) {
            lane.countDrops(1);
            continue;
          }
          const p = this.placeWhenFree(record, ackToken, l).finally(() => {
            if (this.blocked === p) this.blocked = null;
          });
          this.blocked = p;
          return p;
        }
      }
      lane.write(seq, record);
      if (this.pending[l]++ === 0) this.firstPending[l] = seq;
      if (this.pending[l]! >= this.publishBatch) this.publishLane(l);
    }
    if (ackToken !== undefined) {
      this.tokens.push(ackToken);
      this.tokenIndex.push(this.accepted);
    }
    this.accepted++;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushBound);
    }
  }

  private async placeWhenFree(record: Uint8Array, ackToken: unknown, from: number): Promise<void> {
    const lane = this.lanes[from]!;
    this.waiting++;
    for (;;) {
      if (lane.halt() === LANE_HALT.aborted) {
        this.waiting--;
        return;
      } // the run failed; counted as not delivered
      if (lane.free() > 0) break;
      await lane.waitForSpace(1);
    }
    this.waiting--;
    const r = this.place(record, ackToken, from);
    if (r) await r;
  }

  /** Publish every lane's pending records. */
  flush(): void {
    for (let l = 0; l < this.lanes.length; l++) if (this.pending[l]! > 0) this.publishLane(l);
    this.published = this.accepted;
  }

  private publishLane(l: number): void {
    const lane = this.lanes[l]!;
    const count = this.pending[l]!;
    const firstSeq = this.firstPending[l]!;
    this.pending[l] = 0;
    if (l === 0 && this.journal) this.journal.batch(lane, 0, firstSeq, count);
    lane.publish();
    this.events.batch({ shard: l, firstSeq, count });
  }

  end(): void {
    if (this.blocked) {
      void this.blocked.then(() => this.end());
      return;
    }
    if (this.ended) return;
    this.flush();
    this.ended = true;
    for (const l of this.lanes) l.end();
    this.events.ended();
  }

  fail(error: Error): void {
    this.events.failed(error);
  }

  /** Records published on every ingress lane so far (the quiescence watermark). */
  get publishedCount(): number {
    return this.published;
  }

  /** Remove and return the ack tokens of the records before `watermark` (a publishedCount read earlier). */
  takeTokens(watermark: number): unknown[] {
    let n = 0;
    while (n < this.tokenIndex.length && this.tokenIndex[n]! < watermark) n++;
    if (n === 0) return [];
    this.tokenIndex.splice(0, n);
    return this.tokens.splice(0, n);
  }
}
