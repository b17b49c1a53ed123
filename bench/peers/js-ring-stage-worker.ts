/**
 * A stage of peer_js_sab_ring: consumer cell `stage` of the plain-JS ring
 * (bench/components/single-ring/js-ring.ts). Waits until the cell before it (or the producer cursor) released
 * sequences, takes up to `maxBatch` of them in place (a forwarding stage does nothing to the
 * bytes, like the `identity` stage) and releases them. It runs until the main thread terminates
 * it, after every record was delivered.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JsRing } from '../components/single-ring/js-ring.ts';

interface Data {
  sab: SharedArrayBuffer;
  capacity: number;
  slotBytes: number;
  spinNs: number | null;
  cells: number;
  stage: number;
  maxBatch: number;
}
const d = workerData as Data;
const ring = new JsRing(d.sab, d.capacity, d.slotBytes, d.spinNs, d.cells);

parentPort!.postMessage('ready');
let next = 0;
for (;;) {
  let avail = ring.waitFor(next, d.stage);
  if (avail - next + 1 > d.maxBatch) avail = next + d.maxBatch - 1;
  ring.release(avail, d.stage);
  next = avail + 1;
}
