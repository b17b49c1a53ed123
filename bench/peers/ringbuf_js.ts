/**
 * peer_ringbuf_js: single_ring_chain's topology over ringbuf.js (Paul Adenot's wait-free SPSC
 * queue on a SharedArrayBuffer): one byte queue per hop, main → stage 0 → … → stage n-1 → main.
 * Records are fixed-size (`--payload`); a batch is pushed as one block of bytes, every stage
 * pops whole records and pushes them on (a copy per hop: ringbuf.js is a queue of values, not
 * slots shared in place).
 */
import type { Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { startModuleWorker } from '../../kernel/exec/module-worker.ts';
import { MAIN_THREAD_SPIN_NS, WAIT_KINDS, type WaitKind } from '../../kernel/core/ring.ts';
import { defineBench } from '../suite/bench-definition.ts';
import type { Contender, Delivery } from '../suite/driver.ts';
import { measureContender } from '../suite/measure.ts';
import type { PayloadPool } from '../suite/payloads.ts';
import { peerPlan, peerSpec } from './peer-plan.ts';
import { whenAll, workerReady } from './peer-workers.ts';
import { packageVersion } from './package-version.ts';

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const WORKER = new URL(`./ringbuf-worker${EXT}`, import.meta.url);
const macrotask = () => new Promise<void>((r) => setImmediate(r));

class RingbufContender implements Contender {
  private readonly scratch: Uint8Array;
  private readonly all: Uint8Array;
  private readonly record: number;
  private readonly poolBytes: number;
  private sent = 0;
  private taken = 0;

  constructor(
    private readonly head: RingBuffer,
    private readonly tail: RingBuffer,
    private readonly ctl: Int32Array,
    pool: PayloadPool,
    private readonly d: Delivery,
    private readonly workers: Worker[],
    private readonly exited: Promise<void>,
  ) {
    this.record = pool.maxBytes;
    this.all = pool.contiguous!;
    this.poolBytes = this.all.length;
    this.scratch = new Uint8Array(tail.capacity());
  }

  send(first: number, n: number): void | Promise<void> {
    const bytes = n * this.record;
    if (this.head.availableWrite() < bytes) {
      this.poll();
      if (this.head.availableWrite() < bytes) return this.sendWhenFree(first, n);
    }
    this.push(first, n);
  }

  /** push records [first, first + n) from the contiguous pool (in up to two pieces at its wrap) */
  private push(first: number, n: number): void {
    let off = (first * this.record) % this.poolBytes;
    let left = n * this.record;
    while (left > 0) {
      const piece = Math.min(left, this.poolBytes - off);
      this.head.push(this.all, piece, off);
      left -= piece;
      off = (off + piece) % this.poolBytes;
    }
    this.sent = first + n;
  }

  private async sendWhenFree(first: number, n: number): Promise<void> {
    const bytes = n * this.record;
    let spinUntil = performance.now() + MAIN_THREAD_SPIN_NS / 1e6;
    while (this.head.availableWrite() < bytes) {
      this.poll();
      // ringbuf.js has no wake-up: poll, and let the event loop run between short spins
      if (performance.now() > spinUntil) {
        await macrotask();
        spinUntil = performance.now() + MAIN_THREAD_SPIN_NS / 1e6;
      }
    }
    this.push(first, n);
  }

  poll(): void {
    let n = this.tail.availableRead();
    n -= n % this.record;
    if (n === 0) return;
    if (n > this.scratch.length) n = this.scratch.length;
    this.tail.pop(this.scratch, n);
    const first = this.taken;
    this.taken += n / this.record;
    this.d.delivered(first, n / this.record);
  }

  async finish(): Promise<void> {
    Atomics.store(this.ctl, 0, 1);
    while (this.taken < this.sent) {
      this.poll();
      if (this.taken < this.sent) await macrotask();
    }
    await this.exited;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

async function startRingbuf(
  p: { stages: number; capacity: number; pool: PayloadPool; batch: number; wait: WaitKind },
  d: Delivery,
): Promise<Contender> {
  if (!p.pool.contiguous) throw new Error('peer_ringbuf_js needs fixed-size records');
  const record = p.pool.maxBytes;
  const queues = Array.from({ length: p.stages + 1 }, () =>
    RingBuffer.getStorageForCapacity(p.capacity * record, Uint8Array),
  );
  const ctl = new SharedArrayBuffer(4 * (p.stages + 1));
  const workers = Array.from({ length: p.stages }, (_, stage) =>
    startModuleWorker(WORKER, {
      workerData: {
        inSab: queues[stage],
        outSab: queues[stage + 1],
        ctl,
        stage,
        record,
        maxBatch: p.batch,
        wait: WAIT_KINDS[p.wait],
        benchRole: `ringbuf.js stage ${stage}`,
      },
    }),
  );
  await Promise.all(workers.map((w) => workerReady(w)));
  return new RingbufContender(
    new RingBuffer(queues[0]!, Uint8Array),
    new RingBuffer(queues[p.stages]!, Uint8Array),
    new Int32Array(ctl),
    p.pool,
    d,
    workers,
    whenAll(workers, 'done'),
  );
}

export default defineBench({
  name: 'peer_ringbuf_js',
  kind: 'peer',
  summary: 'ringbuf.js SPSC byte queues, one per hop (a copy per hop, polling waits)',
  async run(ctx) {
    const p = peerPlan(ctx);
    const spec = peerSpec('peer_ringbuf_js', p, {
      wait: `${p.wait.wait} (polling: ringbuf.js has no wake-up)`,
      transport: `ringbuf.js ${packageVersion('ringbuf.js')} SPSC queues of bytes over SharedArrayBuffers, one per hop`,
      boundary:
        'one process: producer and consumer on the main thread, each stage a worker thread; a SharedArrayBuffer ' +
        'queue per hop',
    });
    return measureContender(ctx, spec, (d) =>
      startRingbuf({ stages: p.stages, capacity: p.capacity, pool: p.pool, batch: p.batch, wait: p.wait.wait }, d),
    );
  },
});
