// Helpers shared by the core tests: a memory with one ring, and a main-thread producer.
import { startModuleWorker } from '../../kernel/exec/module-worker.ts';
import { compileCore, instantiateCore, createSharedMemory } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { RingHandle, type RingInit } from '../../kernel/core/ring.ts';

export function makeRing(init: RingInit) {
  const layout = new LayoutAllocator();
  const base = layout.carve('ring', LayoutAllocator.ringBytes(init.capacity, init.slotBytes));
  const memory = createSharedMemory(layout.totalBytes);
  const module = compileCore();
  const core = instantiateCore(module, memory);
  const ring = RingHandle.create(core, memory, base, init);
  return { ring, memory, module, base, core };
}

export function startStage(fx: ReturnType<typeof makeRing>, cell: number, op: 'inc' | 'verify', delta = 0) {
  const w = startModuleWorker(new URL('./fixtures/ring-stage.ts', import.meta.url), {
    workerData: { module: fx.module, memory: fx.memory, base: fx.base, cell, op, delta },
  });
  return new Promise<{ count: number; bad: number; firstBad: number; batches: number; halt: number }>(
    (resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    },
  );
}

/** Publish n records (an f64 = seq) from the main thread in batches of `batch`, awaiting space. */
export async function produce(ring: RingHandle, n: number, batch: number): Promise<void> {
  const f64 = new Float64Array(ring.memory.buffer);
  let sent = 0;
  while (sent < n) {
    const first = ring.next();
    const k = ring.tryClaim(Math.min(batch, n - sent));
    if (k === 0) {
      await ring.waitForSpace(1);
      continue;
    }
    for (let s = first; s < first + k; s++) {
      f64[ring.payloadOffset(s) / 8] = s;
      ring.u32[ring.slotOffset(s) >>> 2] = 8;
    }
    ring.publish();
    sent += k;
  }
  ring.end();
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, rej) =>
      setTimeout(
        () => rej(new Error(`${what} did not finish within ${ms} ms (a hang: see docs/platform-notes.md G1)`)),
        ms,
      ).unref(),
    ),
  ]);
}
