/**
 * peer_js_sab_ring: single_ring_chain's topology over the same ring design written in plain
 * JavaScript: the executor engineer's JsRing (bench/components/single-ring/js-ring.ts, Int32Array + Atomics
 * over a SharedArrayBuffer), one consumer cell per stage plus one for the main thread at the end.
 * The main thread writes slots and publishes the cursor once per batch, each stage worker
 * releases sequences in place, and the main thread copies each record out at the end of the
 * chain. No WebAssembly, no executor, no plugins: the ratio is what those cost or save.
 *
 *   main (producer) → [cell 0] → … → [cell n-1] → main (cell n, consumer), one SharedArrayBuffer
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../kernel/exec/module-worker.ts';
import { DEFAULT_SPIN_NS, MAIN_THREAD_SPIN_NS, type WaitKind } from '../../kernel/core/ring.ts';
import { JsRing, jsRingBytes } from '../components/single-ring/js-ring.ts';
import { defineBench } from '../suite/bench-definition.ts';
import type { Contender, Delivery } from '../suite/driver.ts';
import { measureContender } from '../suite/measure.ts';
import type { PayloadPool } from '../suite/payloads.ts';
import { peerPlan, peerSpec } from './peer-plan.ts';
import { workerReady } from './peer-workers.ts';

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const WORKER = new URL(`./js-ring-stage-worker${EXT}`, import.meta.url);
const SLOT_HEADER = 8;
type WaitAsync = (
  a: Int32Array,
  i: number,
  v: number,
  t?: number,
) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** JsRing's spin budget for a wait kind: null = spin only, 0 = sleep at once. */
export function jsRingSpinNs(wait: WaitKind): number | null {
  return wait === 'spin' ? null : wait === 'block' ? 0 : DEFAULT_SPIN_NS;
}

class JsRingContender implements Contender {
  private readonly buf: Buffer;
  private readonly scratch: Buffer;
  private readonly last: number;
  private readonly egress: number;
  private taken = 0;
  private sent = 0;

  constructor(
    private readonly ring: JsRing,
    readonly stages: number,
    private readonly pool: PayloadPool,
    private readonly d: Delivery,
    private readonly workers: Worker[],
  ) {
    this.buf = Buffer.from(ring.sab);
    this.scratch = Buffer.alloc(ring.slotBytes);
    this.last = stages - 1;
    this.egress = stages;
  }

  send(first: number, n: number): void | Promise<void> {
    if (this.ring.tryClaim(n) < 0) {
      this.poll();
      if (this.ring.tryClaim(n) < 0) return this.sendWhenFree(first, n);
    }
    this.write(first, n);
  }

  /** fill the n slots just claimed with records [first, first + n) and publish them */
  private write(first: number, n: number): void {
    const { ring, pool, buf } = this;
    const u32 = ring.u32;
    let seq = this.sent;
    for (let i = first; i < first + n; i++, seq++) {
      const rec = pool.at(i);
      const off = ring.slotOffset(seq);
      u32[off >>> 2] = rec.length;
      buf.set(rec, off + SLOT_HEADER);
    }
    this.sent = seq;
    ring.publish();
  }

  private async sendWhenFree(first: number, n: number): Promise<void> {
    while (this.ring.tryClaim(n) < 0) await this.awaitProgress();
    this.write(first, n);
  }

  /** Spin briefly for the last stage, then await an async wake (the event loop keeps running). */
  private async awaitProgress(): Promise<void> {
    const until = performance.now() + MAIN_THREAD_SPIN_NS / 1e6;
    const before = this.taken;
    do {
      this.poll();
    } while (this.taken === before && performance.now() < until);
    if (this.taken !== before) return;
    const i32 = this.ring.i32;
    const w = this.ring.cellIndex(this.last);
    const v = Atomics.load(i32, w);
    this.ring.announce(this.last);
    try {
      if (Atomics.load(i32, w) === v) {
        const r = waitAsync(i32, w, v, 10);
        if (r.async) await r.value;
      }
    } finally {
      this.ring.withdraw(this.last);
    }
    this.poll();
  }

  poll(): void {
    const ring = this.ring;
    const avail = ring.consumerSeq(this.last);
    if (avail < this.taken) return;
    const { buf, scratch } = this;
    const u32 = ring.u32;
    for (let seq = this.taken; seq <= avail; seq++) {
      const off = ring.slotOffset(seq);
      buf.copy(scratch, 0, off + SLOT_HEADER, off + SLOT_HEADER + u32[off >>> 2]!);
    }
    const first = this.taken;
    this.taken = avail + 1;
    ring.release(avail, this.egress);
    this.d.delivered(first, avail + 1 - first);
  }

  async finish(): Promise<void> {
    while (this.taken < this.sent) await this.awaitProgress();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

async function startJsRing(
  p: { stages: number; capacity: number; pool: PayloadPool; batch: number; wait: WaitKind },
  d: Delivery,
): Promise<Contender> {
  const slotBytes = p.pool.maxBytes;
  const cells = p.stages + 1;
  const sab = new SharedArrayBuffer(jsRingBytes(p.capacity, slotBytes));
  JsRing.init(sab, cells);
  const spinNs = jsRingSpinNs(p.wait);
  const workers = Array.from({ length: p.stages }, (_, stage) =>
    startModuleWorker(WORKER, {
      workerData: {
        sab,
        capacity: p.capacity,
        slotBytes,
        spinNs,
        cells,
        stage,
        maxBatch: p.batch,
        benchRole: `js ring stage ${stage}`,
      },
    }),
  );
  await Promise.all(workers.map((w) => workerReady(w)));
  return new JsRingContender(new JsRing(sab, p.capacity, slotBytes, spinNs, cells), p.stages, p.pool, d, workers);
}

export default defineBench({
  name: 'peer_js_sab_ring',
  kind: 'peer',
  summary:
    'the same ring design in plain JS over a SharedArrayBuffer (bench/components/single-ring/js-ring.ts; JS ' +
    'Atomics, no WebAssembly)',
  async run(ctx) {
    const p = peerPlan(ctx);
    const spec = peerSpec('peer_js_sab_ring', p, {
      wait: p.wait.wait,
      transport:
        'plain-JS Disruptor ring (JsRing of bench/components/single-ring/js-ring.ts) over one ' +
        'SharedArrayBuffer, one consumer cell per stage, in-place stages',
      boundary:
        'one process: producer and consumer on the main thread, each stage a worker thread over one SharedArrayBuffer',
    });
    return measureContender(ctx, spec, (d) =>
      startJsRing({ stages: p.stages, capacity: p.capacity, pool: p.pool, batch: p.batch, wait: p.wait.wait }, d),
    );
  },
});
