/**
 * The egress side of a LaneGraph run, on the main thread: reads the lane of every egress
 * endpoint (all bound to the run's one output), taking turns between them like a merge, copies
 * records out (adapters may keep them), writes them through the egress adapter in batches and
 * releases them once `write` resolved. Records a stage dropped reach egress with their dropped
 * bit: they are counted, not written. With nothing to read it waits on its doorbell (every
 * egress lane rings it on publish) with Atomics.waitAsync, so the event loop stays free.
 *
 * Acks (at-least-once): a LaneGraph may copy, route or drop a record anywhere, so egress order
 * says nothing about ingress order. The reader acknowledges ingress tokens at quiescent
 * points instead: it reads the ingress watermark W, then checks lanes in topological order; if
 * every reader of every lane has released everything published, every record before W has left
 * (roles release an input only after publishing its output), and their tokens are acked.
 */
import type { EgressAdapter, IngressAdapter } from '../plugin-contract.ts';
import { LANE_HALT, type LaneHandle } from '../core/lane.ts';
import { MAIN_THREAD_SPIN_NS } from '../core/ring.ts';
import { SPIN_POLLS, type Doorbell } from '../core/doorbells.ts';
import type { IngressWriter } from './ingress-writer.ts';

export const EGRESS_BATCH = 1024;
const ASYNC_WAIT_TIMEOUT_MS = 1_000;

export interface EgressLane {
  lane: LaneHandle;
  reader: number;
  endpoint: string;
}

export class EgressReader {
  /** records written through the adapter */
  out = 0;
  /** records that arrived dropped by a stage */
  dropped = 0;
  readonly perEndpoint: Array<{ out: number; dropped: number }>;
  private stopped = false;

  constructor(
    private readonly lanes: EgressLane[],
    private readonly bell: Doorbell,
    private readonly adapter: EgressAdapter,
    private readonly ingress: IngressAdapter | null,
    private readonly writer: IngressWriter,
    /** every lane in topological order with its reader count, for the quiescence check */
    private readonly allLanes: LaneHandle[],
    private readonly batchMax = EGRESS_BATCH,
  ) {
    this.perEndpoint = lanes.map(() => ({ out: 0, dropped: 0 }));
  }

  /** Stop after the current batch (the run aborted); wakes a sleeping reader. */
  stop(): void {
    this.stopped = true;
    this.bell.ring();
    this.adapter.interrupt?.();
  }

  /** Resolves when every egress lane ended and drained (or the run aborted); rejects when the adapter failed. */
  async run(): Promise<void> {
    const lanes = this.lanes;
    const n = lanes.length;
    const next = lanes.map((l) => l.lane.readerSeq(l.reader) + 1);
    const ended = lanes.map(() => false);
    let endedCount = 0;
    let turn = 0;
    const anyReady = (): boolean => {
      if (this.stopped) return true;
      for (let e = 0; e < n; e++) {
        if (ended[e]) continue;
        const { lane, reader } = lanes[e]!;
        if (lane.available(reader, next[e]!) >= next[e]! || lane.stopped(next[e]!)) return true;
      }
      return false;
    };
    while (!this.stopped) {
      let progressed = false;
      for (let s = 0; s < n; s++) {
        const e = (turn + s) % n;
        if (ended[e]) continue;
        const { lane, reader } = lanes[e]!;
        const from = next[e]!;
        const avail = lane.available(reader, from);
        if (avail < from) {
          if (lane.stopped(from)) {
            if (lane.halt() === LANE_HALT.aborted) return;
            ended[e] = true;
            endedCount++;
          }
          continue;
        }
        const k = Math.min(avail - from + 1, this.batchMax);
        const records: Uint8Array[] = [];
        let dropped = 0;
        for (let seq = from; seq < from + k; seq++) {
          if (lane.dropped(seq)) {
            dropped++;
            continue;
          }
          const off = lane.payloadOffset(seq);
          records.push(lane.u8.slice(off, off + lane.length(seq)));
        }
        if (records.length) await this.adapter.write(records);
        this.out += records.length;
        this.dropped += dropped;
        this.perEndpoint[e]!.out += records.length;
        this.perEndpoint[e]!.dropped += dropped;
        lane.release(reader, from + k - 1);
        next[e] = from + k;
        turn = (e + 1) % n;
        progressed = true;
        break;
      }
      if (endedCount === n) break;
      if (progressed) {
        await this.ackQuiescent();
        continue;
      }
      await this.ackQuiescent();
      if (!this.spinFor(anyReady)) await this.sleep(anyReady);
    }
    if (!this.stopped) await this.ackQuiescent();
  }

  private spinFor(ready: () => boolean): boolean {
    this.bell.spinStart(MAIN_THREAD_SPIN_NS);
    do {
      for (let i = 0; i < SPIN_POLLS; i++) if (ready()) return true;
    } while (!this.bell.spinDone());
    return false;
  }

  private async sleep(ready: () => boolean): Promise<void> {
    const epoch = this.bell.prepare();
    try {
      if (!ready()) await this.bell.sleepAsync(epoch, ASYNC_WAIT_TIMEOUT_MS);
    } finally {
      this.bell.done();
    }
  }

  /** Ack every token before the ingress watermark when no record is in flight. */
  private async ackQuiescent(): Promise<void> {
    if (!this.ingress?.ack) return;
    const watermark = this.writer.publishedCount;
    for (const lane of this.allLanes) {
      const cursor = lane.cursor();
      for (let r = 0; r < lane.readers; r++) if (lane.readerSeq(r) < cursor) return;
    }
    const tokens = this.writer.takeTokens(watermark);
    if (tokens.length) await this.ingress.ack(tokens);
  }
}
