import { Worker } from 'node:worker_threads';

/**
 * Live probes of what this runtime itself needs: SharedArrayBuffer, WebAssembly threads
 * (a shared imported memory and an atomic instruction, instantiated and called), and
 * `Atomics.wait` inside a worker thread woken by `Atomics.notify` from this thread.
 */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export function probeSharedArrayBuffer(): ProbeResult {
  try {
    const sab = new SharedArrayBuffer(8);
    const a = new Int32Array(sab);
    Atomics.add(a, 0, 2);
    return Atomics.load(a, 0) === 2
      ? { ok: true, detail: 'SharedArrayBuffer and Atomics work' }
      : { ok: false, detail: 'Atomics.add gave a wrong result' };
  } catch (e) {
    return { ok: false, detail: `SharedArrayBuffer is unavailable: ${(e as Error).message}` };
  }
}

/**
 * (module (import "env" "memory" (memory 1 1 shared))
 *   (func (export "add") (param i32) (result i32) i32.const 0 local.get 0 i32.atomic.rmw.add))
 */
const ATOMIC_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x10, 0x01,
  0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x03, 0x01, 0x01, 0x03, 0x02, 0x01, 0x00,
  0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x0c, 0x01, 0x0a, 0x00, 0x41, 0x00, 0x20, 0x00, 0xfe,
  0x1e, 0x02, 0x00, 0x0b,
]);

export function probeWasmThreads(): ProbeResult {
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(memory.buffer instanceof SharedArrayBuffer))
      return { ok: false, detail: 'a shared WebAssembly.Memory is not backed by a SharedArrayBuffer' };
    const inst = new WebAssembly.Instance(new WebAssembly.Module(ATOMIC_MODULE), { env: { memory } });
    const add = inst.exports.add as (n: number) => number;
    add(5);
    const before = add(7);
    const now = Atomics.load(new Int32Array(memory.buffer), 0);
    return before === 5 && now === 12
      ? { ok: true, detail: 'shared WebAssembly.Memory and atomic instructions work' }
      : { ok: false, detail: `i32.atomic.rmw.add gave ${before}/${now}, expected 5/12` };
  } catch (e) {
    return { ok: false, detail: `WebAssembly threads are unavailable: ${(e as Error).message}` };
  }
}

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const a = new Int32Array(workerData);
try {
  Atomics.store(a, 1, 1); Atomics.notify(a, 1);
  const r = Atomics.wait(a, 0, 0, 5000);
  parentPort.postMessage({ ok: r !== 'timed-out', detail: r });
} catch (e) { parentPort.postMessage({ ok: false, detail: String(e && e.message || e) }); }
`;

/** Resolves within ~6 s: a worker blocks in Atomics.wait and this thread wakes it. */
export function probeAtomicsWaitInWorker(): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let worker: Worker;
    const sab = new SharedArrayBuffer(8);
    const a = new Int32Array(sab);
    const done = (r: ProbeResult) => {
      clearInterval(poke);
      clearTimeout(limit);
      void worker?.terminate();
      resolve(r);
    };
    const limit = setTimeout(() => done({ ok: false, detail: 'the worker did not answer within 6 s' }), 6000);
    // once the worker is up, set the flag and notify until it reports (it may not be waiting yet)
    const poke = setInterval(() => {
      if (Atomics.load(a, 1) === 1) {
        Atomics.store(a, 0, 1);
        Atomics.notify(a, 0);
      }
    }, 5);
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: sab });
    } catch (e) {
      done({ ok: false, detail: `cannot start a worker thread: ${(e as Error).message}` });
      return;
    }
    worker.once('message', (m: { ok: boolean; detail: string }) =>
      done(
        m.ok
          ? { ok: true, detail: `Atomics.wait in a worker returned "${m.detail}" when notified` }
          : { ok: false, detail: `Atomics.wait in a worker failed: ${m.detail}` },
      ),
    );
    worker.once('error', (e) => done({ ok: false, detail: `worker error: ${e.message}` }));
  });
}
