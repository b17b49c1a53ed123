/**
 * One side (producer or consumer) of a benchmark pair, for one transport:
 *   wasm     the WASM core ring (RingHandle) with the executor's RecordBatch and a JS handler
 *   js       the plain-JS twin (js-ring.ts)
 *   ringbuf  ringbuf.js 0.4 (push/pop of Float64Array records)
 *   port     MessagePort.postMessage of a Float64Array per batch
 * A record is 64 bytes: 8 f64, the first its sequence. The consumer checks order and length.
 * Commands arrive by postMessage; results go back the same way (never per message).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { instantiateCore } from '../../../kernel/core/wasm.ts';
import { RingHandle, type WaitKind } from '../../../kernel/core/ring.ts';
import { SlotBatch } from '../../../kernel/exec/record-batch.ts';
import type { RecordBatch } from '../../../kernel/plugin-api.ts';
import { JsRing } from './js-ring.ts';

export type Impl = 'wasm' | 'js' | 'ringbuf' | 'port';
export interface PairSetup {
  impl: Impl;
  role: 'producer' | 'consumer';
  wait: WaitKind;
  spinNs: number;
  module?: WebAssembly.Module;
  memory?: WebAssembly.Memory;
  port?: MessagePort;
}
export interface RunCommand {
  cmd: 'run';
  mode: 'throughput' | 'latency';
  n: number;
  batch: number;
  capacity: number;
  base?: number;
  sab?: SharedArrayBuffer;
}
export interface RunResult {
  role: 'producer' | 'consumer' | 'ready';
  t0?: number;
  t1?: number;
  count?: number;
  bad?: number;
  /** latency mode: one round trip per batch, ns */
  rtt?: Float64Array;
}

const REC = 64;
const F = REC / 8;
const setup = workerData as PairSetup;
const now = () => performance.timeOrigin + performance.now();
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const core = setup.memory ? instantiateCore(setup.module!, setup.memory) : null;
const post = (r: RunResult) => parentPort!.postMessage(r);

function fill(f64: Float64Array, i: number, seq: number): void {
  f64[i] = seq;
  f64[i + 1] = 1;
  f64[i + 2] = 2;
  f64[i + 3] = 3;
  f64[i + 4] = 4;
  f64[i + 5] = 5;
  f64[i + 6] = 6;
  f64[i + 7] = 7;
}

/** a spin-then-sleep pause for transports without a wake-up of their own (ringbuf.js) */
function makePause(): (t0: number) => void {
  const spin = setup.wait === 'spin' ? Infinity : setup.spinNs / 1e6;
  return (t0: number) => {
    if (performance.now() - t0 > spin) Atomics.wait(sleeper, 0, 0, 0.05);
  };
}

// ---------------------------------------------------------------------------------------------
function wasmRun(c: RunCommand): void {
  const ring = new RingHandle(core!, setup.memory!, c.base!);
  const f64 = new Float64Array(setup.memory!.buffer);
  if (setup.role === 'producer') {
    const rtt = c.mode === 'latency' ? new Float64Array(Math.ceil(c.n / c.batch)) : null;
    const u32 = ring.u32;
    const t0 = now();
    let k = 0;
    for (let sent = 0; sent < c.n; sent += c.batch) {
      const t = rtt ? performance.now() : 0;
      const first = ring.claim(c.batch);
      for (let s = first; s < first + c.batch; s++) {
        const o = ring.slotOffset(s);
        u32[o >>> 2] = REC;
        fill(f64, (o + 8) >>> 3, s);
      }
      const hi = ring.publish();
      if (rtt) {
        while (ring.minGating() < hi) {
          /* spin: the round trip */
        }
        rtt[k++] = (performance.now() - t) * 1e6;
      }
    }
    ring.end();
    post({ role: 'producer', t0, ...(rtt ? { rtt } : {}) });
    return;
  }
  const batch = new SlotBatch(ring);
  let expect = 0;
  let bad = 0;
  const handler = {
    onBatch(b: RecordBatch) {
      for (let i = 0; i < b.count; i++) {
        if (b.length(i) !== REC || f64[b.offset(i) >>> 3] !== expect) bad++;
        expect++;
      }
    },
  };
  post({ role: 'ready' });
  let next = ring.cellSeq(0) + 1;
  for (;;) {
    const avail = ring.waitFor(0, next);
    if (avail < next) break;
    handler.onBatch(batch.reset(next, avail - next + 1));
    ring.release(0, avail);
    next = avail + 1;
  }
  post({ role: 'consumer', t1: now(), count: expect, bad });
}

// ---------------------------------------------------------------------------------------------
function jsRun(c: RunCommand): void {
  const ring = new JsRing(c.sab!, c.capacity, REC, setup.wait === 'spin' ? null : setup.spinNs);
  const f64 = ring.f64;
  const u32 = ring.u32;
  if (setup.role === 'producer') {
    const rtt = c.mode === 'latency' ? new Float64Array(Math.ceil(c.n / c.batch)) : null;
    const t0 = now();
    let k = 0;
    for (let sent = 0; sent < c.n; sent += c.batch) {
      const t = rtt ? performance.now() : 0;
      const first = ring.claim(c.batch);
      for (let s = first; s < first + c.batch; s++) {
        const o = ring.slotOffset(s);
        u32[o >>> 2] = REC;
        fill(f64, (o + 8) >>> 3, s);
      }
      ring.publish();
      if (rtt) {
        const hi = first + c.batch - 1;
        while (ring.consumerSeq() < hi) {
          /* spin */
        }
        rtt[k++] = (performance.now() - t) * 1e6;
      }
    }
    post({ role: 'producer', t0, ...(rtt ? { rtt } : {}) });
    return;
  }
  post({ role: 'ready' });
  let expect = 0;
  let bad = 0;
  let next = 0;
  while (next < c.n) {
    const avail = ring.waitFor(next);
    for (let s = next; s <= avail; s++) {
      const o = ring.slotOffset(s);
      if (u32[o >>> 2] !== REC || f64[(o + 8) >>> 3] !== expect) bad++;
      expect++;
    }
    ring.release(avail);
    next = avail + 1;
  }
  post({ role: 'consumer', t1: now(), count: expect, bad });
}

// ---------------------------------------------------------------------------------------------
function ringbufRun(c: RunCommand): void {
  const rb = new RingBuffer(c.sab!, Float64Array);
  const pause = makePause();
  if (setup.role === 'producer') {
    const stage = new Float64Array(c.batch * F);
    const rtt = c.mode === 'latency' ? new Float64Array(Math.ceil(c.n / c.batch)) : null;
    const t0 = now();
    let k = 0;
    for (let sent = 0; sent < c.n; sent += c.batch) {
      const t = rtt ? performance.now() : 0;
      for (let j = 0; j < c.batch; j++) fill(stage, j * F, sent + j);
      let pushed = 0;
      const len = c.batch * F;
      const tw = performance.now();
      while (pushed < len) {
        const room = Math.floor(rb.available_write() / F) * F;
        const w = room > 0 ? rb.push(stage, Math.min(room, len - pushed), pushed) : 0;
        if (w === 0) pause(tw);
        pushed += w;
      }
      if (rtt) {
        while (!rb.empty()) {
          /* spin */
        }
        rtt[k++] = (performance.now() - t) * 1e6;
      }
    }
    post({ role: 'producer', t0, ...(rtt ? { rtt } : {}) });
    return;
  }
  post({ role: 'ready' });
  const local = new Float64Array(c.capacity * F);
  let expect = 0;
  let bad = 0;
  let tw = performance.now();
  while (expect < c.n) {
    const got = rb.pop(local, Math.floor(rb.available_read() / F) * F);
    if (got === 0) {
      pause(tw);
      continue;
    }
    tw = performance.now();
    for (let i = 0; i < got; i += F) {
      if (local[i] !== expect) bad++;
      expect++;
    }
  }
  post({ role: 'consumer', t1: now(), count: expect, bad });
}

// ---------------------------------------------------------------------------------------------
function portRun(c: RunCommand): void {
  const port = setup.port!;
  if (setup.role === 'producer') {
    const t0 = now();
    for (let sent = 0; sent < c.n; sent += c.batch) {
      const a = new Float64Array(c.batch * F);
      for (let j = 0; j < c.batch; j++) fill(a, j * F, sent + j);
      port.postMessage(a);
    }
    post({ role: 'producer', t0 });
    return;
  }
  let expect = 0;
  let bad = 0;
  const onMessage = (a: Float64Array) => {
    for (let i = 0; i < a.length; i += F) {
      if (a[i] !== expect) bad++;
      expect++;
    }
    if (expect >= c.n) {
      port.off('message', onMessage);
      post({ role: 'consumer', t1: now(), count: expect, bad });
    }
  };
  port.on('message', onMessage);
  post({ role: 'ready' });
}

parentPort!.on('message', (c: RunCommand) => {
  if (setup.impl === 'wasm') wasmRun(c);
  else if (setup.impl === 'js') jsRun(c);
  else if (setup.impl === 'ringbuf') ringbufRun(c);
  else portRun(c);
});
