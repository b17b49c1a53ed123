/**
 * peer_message_port: single_ring_chain's topology over MessagePort.postMessage, the ordinary way
 * to move data between Node threads: one MessageChannel per hop, main → stage 0 → … → main. Each
 * batch of records is one message (a Uint8Array, structured-cloned at every hop). In-flight
 * records are bounded by the same capacity as the ring.
 */
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../kernel/exec/module-worker.ts';
import { defineBench } from '../suite/bench-definition.ts';
import type { Contender, Delivery } from '../suite/driver.ts';
import { measureContender } from '../suite/measure.ts';
import { batchBytes, type PayloadPool } from '../suite/payloads.ts';
import { InFlightWindow } from '../suite/in-flight-window.ts';
import { peerPlan, peerSpec } from './peer-plan.ts';
import { workerReady } from './peer-workers.ts';

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const WORKER = new URL(`./message-port-worker${EXT}`, import.meta.url);

class MessagePortContender implements Contender {
  private taken = 0;
  private sent = 0;
  private readonly window: InFlightWindow;
  private drained: (() => void) | null = null;

  constructor(
    private readonly head: MessagePort,
    tail: MessagePort,
    private readonly pool: PayloadPool,
    private readonly d: Delivery,
    capacity: number,
    private readonly workers: Worker[],
  ) {
    this.window = new InFlightWindow(capacity);
    const record = pool.maxBytes;
    tail.on('message', (m: Uint8Array) => {
      const n = m.length / record;
      const first = this.taken;
      this.taken += n;
      this.window.give(n);
      this.d.delivered(first, n);
      if (this.drained && this.taken >= this.sent) this.drained();
    });
  }

  send(first: number, n: number): void | Promise<void> {
    const w = this.window.take(n);
    if (w) return w.then(() => this.post(first, n));
    this.post(first, n);
  }

  private post(first: number, n: number): void {
    this.sent = first + n;
    this.head.postMessage(batchBytes(this.pool, first, n));
  }

  poll(): void {}

  async finish(): Promise<void> {
    if (this.taken < this.sent)
      await new Promise<void>((r) => {
        this.drained = r;
      });
    this.head.close();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

async function startMessagePorts(
  p: { stages: number; capacity: number; pool: PayloadPool },
  d: Delivery,
): Promise<Contender> {
  const channels = Array.from({ length: p.stages + 1 }, () => new MessageChannel());
  const workers = Array.from({ length: p.stages }, (_, stage) => {
    const input = channels[stage]!.port2;
    const output = channels[stage + 1]!.port1;
    return startModuleWorker(WORKER, {
      workerData: { input, output, benchRole: `message port stage ${stage}` },
      transferList: [input, output],
    });
  });
  await Promise.all(workers.map((w) => workerReady(w)));
  const tail = channels[p.stages]!.port2;
  return new MessagePortContender(channels[0]!.port1, tail, p.pool, d, p.capacity, workers);
}

export default defineBench({
  name: 'peer_message_port',
  kind: 'peer',
  summary: 'MessagePort.postMessage, one channel per hop, one message per batch (structured clone)',
  async run(ctx) {
    const p = peerPlan(ctx);
    const spec = peerSpec('peer_message_port', p, {
      wait: 'event loop (the port wakes the receiving thread)',
      transport: 'MessageChannel per hop; one Uint8Array message per batch, structured-cloned at every hop',
      boundary:
        'one process: producer and consumer on the main thread, each stage a worker thread; MessagePorts between them',
    });
    if (p.wait.requested !== null || ctx.options.wait !== null)
      spec.notes.push('--wait does not apply: the event loop waits');
    return measureContender(ctx, spec, (d) =>
      startMessagePorts({ stages: p.stages, capacity: p.capacity, pool: p.pool }, d),
    );
  },
});
