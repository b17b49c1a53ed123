/**
 * The load generator of edgeplane_identity_stage, on its own thread so that it does not share
 * the runtime's main thread: a WebSocket client that sends each record as one binary message to
 * EdgePlane's websocket ingress, and a WebSocket server (the destination) that EdgePlane's
 * websocket egress delivers to. Both ends are here, so send and arrival use one clock. The
 * driver (bench/suite/driver.ts) runs here; its marks and result go to the main thread.
 *
 * Protocol with the main thread: → {type:'sink', port}; ← {type:'ingress', port} once the
 * pipeline is up; → {type:'mark', what}; → {type:'result', result} | {type:'error', message}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { drive, type Contender, type Delivery } from './driver.ts';
import { syntheticPayloads, type PayloadPool } from './payloads.ts';
import { InFlightWindow } from './in-flight-window.ts';

interface Data {
  durationS: number;
  batch: number;
  load: number;
  payload: number;
  window: number;
}
const d = workerData as Data;
const port = parentPort!;

const inFlight = new InFlightWindow(d.window);
let delivery: Delivery | null = null;
let arrived = 0;

const sink = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise<void>((resolve, reject) => {
  sink.once('listening', resolve);
  sink.once('error', reject);
});
sink.on('connection', (socket) => {
  socket.on('message', () => {
    const i = arrived++;
    inFlight.give(1);
    delivery?.delivered(i, 1);
  });
});

class WebSocketContender implements Contender {
  constructor(
    private readonly client: WebSocket,
    private readonly pool: PayloadPool,
  ) {}
  send(first: number, n: number): void | Promise<void> {
    const w = inFlight.take(n);
    if (w) return w.then(() => this.write(first, n));
    this.write(first, n);
  }
  private write(first: number, n: number): void {
    for (let i = first; i < first + n; i++) this.client.send(this.pool.at(i), { binary: true });
  }
  poll(): void {}
  async finish(): Promise<void> {
    this.client.close();
  }
}

const ingressPort = new Promise<number>((resolve) => {
  port.on('message', (m: { type: string; port: number }) => {
    if (m.type === 'ingress') resolve(m.port);
  });
});
port.postMessage({ type: 'sink', port: (sink.address() as AddressInfo).port });

try {
  const result = await drive(
    async (dl) => {
      delivery = dl;
      const p = await ingressPort;
      const client = new WebSocket(`ws://127.0.0.1:${p}/`);
      await new Promise<void>((resolve, reject) => {
        client.once('open', () => resolve());
        client.once('error', reject);
      });
      return new WebSocketContender(client, syntheticPayloads(d.payload));
    },
    {
      durationS: d.durationS,
      batch: d.batch,
      load: d.load,
      marks: {
        steadyStart: () => port.postMessage({ type: 'mark', what: 'start' }),
        steadyEnd: () => port.postMessage({ type: 'mark', what: 'end' }),
      },
    },
  );
  port.postMessage({ type: 'result', result });
} catch (e) {
  port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}
sink.close();
