/**
 * One side (producer or consumer) of a benchmark pair, for one transport:
 *   wasm     the WASM core ring (RingHandle) with the executor's RecordBatch and a JS handler
 *   js       the plain-JS twin (js-ring.ts)
 *   ringbuf  ringbuf.js 0.4 (push/pop of Float64Array records)
 *   port     MessagePort.postMessage of a Float64Array per batch
 * The records are already in a source buffer, as an I/O read leaves them (SOURCE_RECORDS records
 * of 64 bytes: 8 f64, the first its index in the source); every producer moves them from there:
 *   wasm     one core call per batch claims the slots, copies the records (assembly/copy.ts) and
 *            publishes (ringWriteSpans, over a spans table of the source made once)
 *   js       claims, copies each record's 8 words into its slot, publishes
 *   ringbuf  pushes the batch from the source array
 *   port     posts a copy of the batch
 * The consumer checks order (the first word is the sequence modulo SOURCE_RECORDS) and length.
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
import { SOURCE_RECORDS, fillSource } from './source.ts';

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
  /** the transport this run measures: the pair's own, or another that shares its threads (--same-threads) */
  impl: Impl;
  mode: 'throughput' | 'latency';
  n: number;
  batch: number;
  capacity: number;
  base?: number;
  sab?: SharedArrayBuffer;
  /** false: the wasm and js consumers release each batch without reading its records (--no-read) */
  read: boolean;
  /** wasm and js: time each side's own work per batch (the producer's write, the consumer's reads; --split) */
  split: boolean;
  /** wasm: the source records and their spans table in the shared memory (fillSource) */
  source?: { records: number; spans: number };
}

const SRC_MASK = SOURCE_RECORDS - 1;
export interface RunResult {
  role: 'producer' | 'consumer' | 'ready';
  t0?: number;
  t1?: number;
  count?: number;
  bad?: number;
  /** latency mode: one round trip per batch, ns */
  rtt?: Float64Array;
  /** --split: ns per record inside this side's own work (the producer's writes, the consumer's reads) */
  workNs?: number;
}

const REC = 64;
const F = REC / 8;
const setup = workerData as PairSetup;
const now = () => performance.timeOrigin + performance.now();
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const core = setup.memory ? instantiateCore(setup.module!, setup.memory) : null;
const post = (r: RunResult) => parentPort!.postMessage(r);

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
    const { records, spans } = c.source!;
    let work = 0;
    const t0 = now();
    let k = 0;
    for (let sent = 0; sent < c.n; sent += c.batch) {
      const t = rtt || c.split ? performance.now() : 0;
      if (ring.writeSpans(records, spans + (sent & SRC_MASK) * 8, c.batch) !== c.batch)
        throw new Error('the ring aborted');
      if (c.split) work += performance.now() - t;
      const hi = sent + c.batch - 1;
      if (rtt) {
        while (ring.minGating() < hi) {
          /* spin: the round trip */
        }
        rtt[k++] = (performance.now() - t) * 1e6;
      }
    }
    ring.end();
    post({ role: 'producer', t0, ...(rtt ? { rtt } : {}), ...(c.split ? { workNs: (work * 1e6) / c.n } : {}) });
    return;
  }
  const batch = new SlotBatch(ring);
  let expect = 0;
  let bad = 0;
  const handler = {
    onBatch(b: RecordBatch) {
      if (!c.read) {
        expect += b.count;
        return;
      }
      for (let i = 0; i < b.count; i++) {
        if (b.length(i) !== REC || f64[b.offset(i) >>> 3] !== (expect & SRC_MASK)) bad++;
        expect++;
      }
    },
  };
  post({ role: 'ready' });
  let work = 0;
  let next = ring.cellSeq(0) + 1;
  for (;;) {
    const avail = ring.waitFor(0, next);
    if (avail < next) break;
    const t = c.split ? performance.now() : 0;
    handler.onBatch(batch.reset(next, avail - next + 1));
    if (c.split) work += performance.now() - t;
    ring.release(0, avail);
    next = avail + 1;
  }
  post({ role: 'consumer', t1: now(), count: expect, bad, ...(c.split ? { workNs: (work * 1e6) / expect } : {}) });
}

// ---------------------------------------------------------------------------------------------
function jsRun(c: RunCommand): void {
  const ring = new JsRing(c.sab!, c.capacity, REC, setup.wait === 'spin' ? null : setup.spinNs);
  const f64 = ring.f64;
  const u32 = ring.u32;
  if (setup.role === 'producer') {
    const rtt = c.mode === 'latency' ? new Float64Array(Math.ceil(c.n / c.batch)) : null;
    const src = new Float64Array(SOURCE_RECORDS * F);
    fillSource(src, 0);
    let work = 0;
    const t0 = now();
    let k = 0;
    for (let sent = 0; sent < c.n; sent += c.batch) {
      const t = rtt || c.split ? performance.now() : 0;
      const first = ring.claim(c.batch);
      let j = (sent & SRC_MASK) * F;
      for (let s = first; s < first + c.batch; s++, j += F) {
        const o = ring.slotOffset(s);
        u32[o >>> 2] = REC;
        const i = (o + 8) >>> 3;
        f64[i] = src[j]!;
        f64[i + 1] = src[j + 1]!;
        f64[i + 2] = src[j + 2]!;
        f64[i + 3] = src[j + 3]!;
        f64[i + 4] = src[j + 4]!;
        f64[i + 5] = src[j + 5]!;
        f64[i + 6] = src[j + 6]!;
        f64[i + 7] = src[j + 7]!;
      }
      ring.publish();
      if (c.split) work += performance.now() - t;
      if (rtt) {
        const hi = first + c.batch - 1;
        while (ring.consumerSeq() < hi) {
          /* spin */
        }
        rtt[k++] = (performance.now() - t) * 1e6;
      }
    }
    post({ role: 'producer', t0, ...(rtt ? { rtt } : {}), ...(c.split ? { workNs: (work * 1e6) / c.n } : {}) });
    return;
  }
  post({ role: 'ready' });
  let work = 0;
  let expect = 0;
  let bad = 0;
  let next = 0;
  while (next < c.n) {
    const avail = ring.waitFor(next);
    const t = c.split ? performance.now() : 0;
    if (!c.read) expect += avail - next + 1;
    else
      for (let s = next; s <= avail; s++) {
        const o = ring.slotOffset(s);
        if (u32[o >>> 2] !== REC || f64[(o + 8) >>> 3] !== (expect & SRC_MASK)) bad++;
        expect++;
      }
    if (c.split) work += performance.now() - t;
    ring.release(avail);
    next = avail + 1;
  }
  post({ role: 'consumer', t1: now(), count: expect, bad, ...(c.split ? { workNs: (work * 1e6) / expect } : {}) });
}

// ---------------------------------------------------------------------------------------------
function ringbufRun(c: RunCommand): void {
  const rb = new RingBuffer(c.sab!, Float64Array);
  const pause = makePause();
  if (setup.role === 'producer') {
    const src = new Float64Array(SOURCE_RECORDS * F);
    fillSource(src, 0);
    const rtt = c.mode === 'latency' ? new Float64Array(Math.ceil(c.n / c.batch)) : null;
    const t0 = now();
    let k = 0;
    for (let sent = 0; sent < c.n; sent += c.batch) {
      const t = rtt ? performance.now() : 0;
      const from = (sent & SRC_MASK) * F;
      let pushed = 0;
      const len = c.batch * F;
      const tw = performance.now();
      while (pushed < len) {
        const room = Math.floor(rb.available_write() / F) * F;
        const w = room > 0 ? rb.push(src, Math.min(room, len - pushed), from + pushed) : 0;
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
      if (local[i] !== (expect & SRC_MASK)) bad++;
      expect++;
    }
  }
  post({ role: 'consumer', t1: now(), count: expect, bad });
}

// ---------------------------------------------------------------------------------------------
function portRun(c: RunCommand): void {
  const port = setup.port!;
  if (setup.role === 'producer') {
    const src = new Float64Array(SOURCE_RECORDS * F);
    fillSource(src, 0);
    const t0 = now();
    for (let sent = 0; sent < c.n; sent += c.batch) {
      const from = (sent & SRC_MASK) * F;
      port.postMessage(src.slice(from, from + c.batch * F));
    }
    post({ role: 'producer', t0 });
    return;
  }
  let expect = 0;
  let bad = 0;
  const onMessage = (a: Float64Array) => {
    for (let i = 0; i < a.length; i += F) {
      if (a[i] !== (expect & SRC_MASK)) bad++;
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
  if (c.impl === 'wasm') wasmRun(c);
  else if (c.impl === 'js') jsRun(c);
  else if (c.impl === 'ringbuf') ringbufRun(c);
  else portRun(c);
});
