/**
 * A stage of peer_ringbuf_js: pop whole records from the queue before it, push them to the queue
 * after it (ringbuf.js copies bytes in and out), until the stage before it is done and its queue
 * is empty. ringbuf.js has no wake-up, so an idle stage polls: `spin` polls flat out,
 * `backoff` polls for the spin budget and then sleeps 50 µs between polls, `block` sleeps 50 µs
 * between polls from the start.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { DEFAULT_SPIN_NS, WAIT_KINDS } from '../../kernel/core/ring.ts';

interface Data {
  inSab: SharedArrayBuffer;
  outSab: SharedArrayBuffer;
  ctl: SharedArrayBuffer;
  stage: number;
  record: number;
  maxBatch: number;
  wait: number;
}
const d = workerData as Data;
const input = new RingBuffer(d.inSab, Uint8Array);
const output = new RingBuffer(d.outSab, Uint8Array);
const ctl = new Int32Array(d.ctl);
const scratch = new Uint8Array(d.record * d.maxBatch);
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const SLEEP_MS = 0.05;

let idleSince = -1;
function idle(): void {
  if (d.wait === WAIT_KINDS.spin) return;
  if (d.wait === WAIT_KINDS.backoff) {
    const t = performance.now();
    if (idleSince < 0) {
      idleSince = t;
      return;
    }
    if (t - idleSince < DEFAULT_SPIN_NS / 1e6) return;
  }
  Atomics.wait(sleepCell, 0, 0, SLEEP_MS);
}

parentPort!.postMessage('ready');
for (;;) {
  let n = input.availableRead();
  n -= n % d.record;
  if (n > scratch.length) n = scratch.length;
  if (n === 0) {
    if (Atomics.load(ctl, d.stage) === 1 && input.availableRead() === 0) break;
    idle();
    continue;
  }
  idleSince = -1;
  input.pop(scratch, n);
  let off = 0;
  while (off < n) {
    off += output.push(scratch, n - off, off);
    if (off < n) idle();
  }
  idleSince = -1;
}
Atomics.store(ctl, d.stage + 1, 1);
parentPort!.postMessage('done');
