/**
 * The V8 flags a byteor process sets on itself, first thing (kernel/main.ts; the bench children
 * do the same, bench/suite/child.ts). V8 flags are process-wide, and a heap reads them when it is
 * created: set before any worker starts, they hold for every worker.
 *
 * - `--no-liftoff`: must be set before any WebAssembly is compiled (docs/platform-notes.md G1:
 *   Node 20's baseline compiler miscompiles code around atomic.wait). kernel/core/wasm.ts sets it
 *   too, for a program that embeds the kernel without this entry.
 * - `--no-memory-reducer`: V8's memory reducer takes a thread that allocates nothing (a stage
 *   worker on the hot path, by design) for an idle one, and about 8 s after its heap grew it runs
 *   two or three full collections on it to shrink the heap: 3-35 ms pauses of a busy stage
 *   (docs/performance.md, seventh pass). The main thread's heap exists before this runs and keeps
 *   its reducer.
 */
import v8 from 'node:v8';

export const RUNTIME_V8_FLAGS = ['--no-liftoff', '--no-memory-reducer'] as const;

/** Set RUNTIME_V8_FLAGS on this process (Deno has no such switches, and no G1 bug: nothing to do). */
export function setRuntimeV8Flags(): void {
  try {
    for (const f of RUNTIME_V8_FLAGS) v8.setFlagsFromString(f);
  } catch {
    /* Deno */
  }
}
