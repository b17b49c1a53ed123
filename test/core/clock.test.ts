// The core's clock (assembly/wait.ts clockNs over the 30-bit tick import of kernel/core/wasm.ts):
// monotonic ns per thread, widened across the wrap of the raw ticks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compileCore, createSharedMemory, instantiateCore, type CoreExports } from '../../kernel/core/wasm.ts';

const TICK_NS = 100;
const MASK = 0x3fffffff;

/** An instance whose clock import returns the ticks we set (raw, masked like the real import). */
function coreWithTicks(): { core: CoreExports; set(t: number): void } {
  let ticks = 0;
  const instance = new WebAssembly.Instance(compileCore(), {
    env: { memory: createSharedMemory(0), clockTicks: () => ticks & MASK },
  });
  return {
    core: instance.exports as unknown as CoreExports,
    set(t) {
      ticks = t;
    },
  };
}

test('clockNs counts 100 ns ticks and keeps counting across the wrap of the 30-bit import', () => {
  const { core, set } = coreWithTicks();
  set(MASK - 5);
  const t0 = core.clockNs();
  set(MASK + 1 + 7); // wrapped: raw 7
  assert.is(core.clockNs() - t0, 13 * TICK_NS);
  // more wraps, read at least once per wrap (every timed loop reads it every few microseconds)
  for (const t of [1.5, 2.2, 2.9]) {
    set(Math.floor(t * (MASK + 1)));
    core.clockNs();
  }
  set(3 * (MASK + 1) + 100);
  assert.is(core.clockNs() - t0, (3 * (MASK + 1) + 100 - (MASK - 5)) * TICK_NS);
});

test('elapsed time is exact for any sequence of reads less than one wrap apart', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: MASK }),
      fc.array(fc.integer({ min: 0, max: MASK }), { maxLength: 40 }),
      (start, steps) => {
        const { core, set } = coreWithTicks();
        let t = start;
        set(t);
        const t0 = core.clockNs();
        let prev = t0;
        for (const d of steps) {
          t += d;
          set(t);
          const now = core.clockNs();
          if (now < prev) return false;
          prev = now;
        }
        return prev - t0 === (t - start) * TICK_NS;
      },
    ),
    { seed: 20240601, numRuns: 300 },
  );
});

test('the real clock import measures time in ns (a 20 ms sleep reads as 20 ms up to the wall time around it)', () => {
  const core = instantiateCore(compileCore(), createSharedMemory(0));
  const p0 = performance.now();
  const a = core.clockNs();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  const b = core.clockNs();
  const outer = (performance.now() - p0) * 1e6;
  // the same monotonic source at 100 ns resolution: at least the sleep, at most the reads around it
  assert.ok(b - a >= 20e6 - 2 * TICK_NS, `clock says ${b - a} ns for a 20 ms sleep`);
  assert.ok(b - a <= outer + 2 * TICK_NS, `clock says ${b - a} ns, performance.now ${outer} ns around it`);
});

test.run();
