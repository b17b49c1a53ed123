/**
 * peer_piscina: single_ring_chain's topology as ordinary Node would build it with a worker pool:
 * every hop of a batch is one piscina task (`pool.run(batch)`), the hops of one batch run in
 * order, batches overlap up to the ring's capacity in records. The pool has one thread per
 * stage. Records may finish out of order across batches; latency is per record index.
 */
import { Piscina } from 'piscina';
import { defineBench } from '../suite/bench-definition.ts';
import type { Contender, Delivery } from '../suite/driver.ts';
import { measureContender } from '../suite/measure.ts';
import { batchBytes, type PayloadPool } from '../suite/payloads.ts';
import { InFlightWindow } from '../suite/in-flight-window.ts';
import { peerPlan, peerSpec } from './peer-plan.ts';
import { packageVersion } from './package-version.ts';

const WORKER = new URL('./piscina-stage-worker.mjs', import.meta.url).href;

class PiscinaContender implements Contender {
  private readonly window: InFlightWindow;
  private failure: unknown = null;
  private pending = 0;
  private drained: (() => void) | null = null;

  constructor(
    private readonly pool: Piscina,
    private readonly stages: number,
    private readonly records: PayloadPool,
    private readonly d: Delivery,
    capacity: number,
  ) {
    this.window = new InFlightWindow(capacity);
  }

  send(first: number, n: number): void | Promise<void> {
    if (this.failure) throw this.failure;
    const w = this.window.take(n);
    if (w) return w.then(() => this.start(first, n));
    this.start(first, n);
  }

  private start(first: number, n: number): void {
    this.pending++;
    void this.hops(batchBytes(this.records, first, n)).then(
      () => {
        this.window.give(n);
        this.d.delivered(first, n);
        this.settle();
      },
      (e) => {
        this.failure ??= e;
        this.window.give(n);
        this.settle();
      },
    );
  }

  private async hops(batch: Uint8Array): Promise<void> {
    let x = batch;
    for (let s = 0; s < this.stages; s++) x = (await this.pool.run(x)) as Uint8Array;
  }

  private settle(): void {
    this.pending--;
    if (this.pending === 0 && this.drained) this.drained();
  }

  poll(): void {}

  async finish(): Promise<void> {
    if (this.pending > 0)
      await new Promise<void>((r) => {
        this.drained = r;
      });
    await this.pool.destroy();
    if (this.failure) throw this.failure;
  }
}

async function startPiscina(
  p: { stages: number; capacity: number; pool: PayloadPool },
  d: Delivery,
): Promise<Contender> {
  const pool = new Piscina({
    filename: WORKER,
    minThreads: p.stages,
    maxThreads: p.stages,
    idleTimeout: 60_000,
    workerData: { benchRole: 'piscina worker' },
  });
  // start every thread before the clock matters
  await Promise.all(Array.from({ length: p.stages * 2 }, () => pool.run(new Uint8Array(1))));
  return new PiscinaContender(pool, p.stages, p.pool, d, p.capacity);
}

export default defineBench({
  name: 'peer_piscina',
  kind: 'peer',
  summary: 'a piscina pool: every hop of a batch is one task (pool.run), one thread per stage',
  async run(ctx) {
    const p = peerPlan(ctx);
    const spec = peerSpec('peer_piscina', p, {
      wait: 'event loop + piscina task wake-ups (Atomics, its default)',
      transport:
        `piscina ${packageVersion('piscina')} task pool; one task per hop per batch, batches structured-cloned in ` +
        `and out`,
      boundary: 'one process: producer and consumer on the main thread, a pool of one worker thread per stage',
      topology:
        `${p.stages} task hop${p.stages === 1 ? '' : 's'} per batch on a pool of ${p.stages} thread` +
        `${p.stages === 1 ? '' : 's'}`,
    });
    if (ctx.options.wait !== null) spec.notes.push('--wait does not apply: piscina waits its own way');
    return measureContender(ctx, spec, (d) =>
      startPiscina({ stages: p.stages, capacity: p.capacity, pool: p.pool }, d),
    );
  },
});
