/**
 * The egress side of a SingleRing run, on the main thread. Each ring has an egress reader cell
 * that waits for the ring's terminal stages (the release boundary); the producer gates on it,
 * so a slot is reused only after its record left through the egress adapter. Records are read
 * in ingress order (RouteLog), copied out of the ring (adapters may keep them), handed to the
 * adapter in batches, and released once `write` resolved; the ingress adapter's ack tokens of
 * those records are then acknowledged. Dropped records are counted, not written.
 */
import type { EgressAdapter, IngressAdapter } from '../plugin-api.ts';
import { EGRESS_CELL, HALT_ABORTED, type RingHandle } from '../core/ring.ts';
import type { RouteLog } from './route-log.ts';
import type { RingProducer } from './producer.ts';

export const EGRESS_BATCH = 1024;

export class EgressReader {
  /** records written through the adapter */
  out = 0;
  /** records a stage dropped */
  dropped = 0;
  private readonly nextSeq: Float64Array;
  private readonly touched: Uint8Array;
  private records: Uint8Array[] = [];
  private tokens: unknown[] = [];
  /** records read but not yet released (written ones and dropped ones) */
  private held = 0;
  private stopped = false;

  constructor(
    private readonly rings: RingHandle[],
    private readonly log: RouteLog,
    private readonly producer: RingProducer,
    private readonly adapter: EgressAdapter,
    private readonly ingress: IngressAdapter | null,
    private readonly batchMax = EGRESS_BATCH,
  ) {
    this.nextSeq = new Float64Array(rings.length);
    rings.forEach((r, i) => { this.nextSeq[i] = r.cellSeq(EGRESS_CELL) + 1; });
    this.touched = new Uint8Array(rings.length);
  }

  /** Stop after the current batch (the run aborted). */
  stop(): void { this.stopped = true; }

  /** Resolves when every accepted record left (or the run aborted); rejects when the adapter failed. */
  async run(): Promise<void> {
    const log = this.log;
    while (!this.stopped) {
      if (log.size === 0) {
        if (this.held) { await this.writeBatch(); continue; }
        if (this.producer.ended) break;
        await this.producer.whenMore();
        continue;
      }
      const shard = log.peekShard();
      const ring = this.rings[shard]!;
      const seq = this.nextSeq[shard]!;
      if (ring.available(EGRESS_CELL, seq) < seq) {
        // write what we hold first: its slots must be released for the pipeline to move on
        if (this.held) { await this.writeBatch(); continue; }
        const avail = await ring.waitForAvailable(EGRESS_CELL, seq);
        if (avail < seq) {
          if (ring.halt() === HALT_ABORTED) break;
          continue;
        }
      }
      const token = log.shift();
      if (ring.dropped(seq)) {
        this.dropped++;
      } else {
        const off = ring.payloadOffset(seq);
        this.records.push(ring.u8.slice(off, off + ring.length(seq)));
      }
      if (token !== undefined) this.tokens.push(token); // a dropped record is done too: ack it
      this.nextSeq[shard] = seq + 1;
      this.touched[shard] = 1;
      if (++this.held >= this.batchMax) await this.writeBatch();
    }
    if (!this.stopped && this.held) await this.writeBatch();
  }

  private async writeBatch(): Promise<void> {
    const records = this.records;
    const tokens = this.tokens;
    this.records = [];
    this.tokens = [];
    this.held = 0;
    if (records.length) await this.adapter.write(records);
    this.out += records.length;
    this.releaseTouched();
    if (tokens.length && this.ingress?.ack) await this.ingress.ack(tokens);
  }

  private releaseTouched(): void {
    for (let s = 0; s < this.rings.length; s++) {
      if (this.touched[s]) { this.touched[s] = 0; this.rings[s]!.release(EGRESS_CELL, this.nextSeq[s]! - 1); }
    }
  }
}
