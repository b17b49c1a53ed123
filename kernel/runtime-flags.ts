/**
 * The V8 flags a byteor process sets on itself, first thing (kernel/main.ts; the bench children
 * do the same, bench/suite/child.ts). V8 flags are process-wide, and a heap reads them when it is
 * created: set before any worker starts, they hold for every worker.
 *
 * - `--no-liftoff`: must be set before any WebAssembly is compiled (docs/platform-notes.md G1:
 *   Node 20's baseline compiler miscompiles code around atomic.wait). kernel/core/wasm.ts sets it
 *   too (WASM_V8_FLAGS), for a program that embeds the kernel without this entry.
 * - `--no-memory-reducer`: V8's memory reducer takes a thread that allocates nothing (a stage
 *   worker on the hot path, by design) for an idle one, and about 8 s after its heap grew it runs
 *   two or three full collections on it to shrink the heap: 3-35 ms pauses of a busy stage
 *   (docs/performance.md, seventh pass). The main thread's heap exists before this runs and keeps
 *   its reducer.
 * - `--expose-gc`, only for a moment (withGcExposed): how a worker gets its collector to clear its
 *   start-up garbage before it reports ready (kernel/exec/startup-garbage.ts).
 */
import v8 from 'node:v8';

/** What compiling the core needs, whoever loads it (kernel/core/wasm.ts sets these before any compile). */
export const WASM_V8_FLAGS: readonly string[] = ['--no-liftoff'];
/** What a byteor process sets on itself (kernel/main.ts, the bench children). */
export const RUNTIME_V8_FLAGS: readonly string[] = [...WASM_V8_FLAGS, '--no-memory-reducer'];

/** Set V8 flags on this process (Deno has no such switches, and no G1 bug: nothing to do there). */
export function setV8Flags(flags: readonly string[]): void {
  try {
    for (const f of flags) v8.setFlagsFromString(f);
  } catch {
    /* Deno */
  }
}

/**
 * Run `f` with `--expose-gc` set, and clear it after: a `vm` context created inside gets a `gc`
 * global (this thread's collector), and no context or worker created later does
 * (kernel/exec/startup-garbage.ts).
 */
export function withGcExposed<T>(f: () => T): T {
  setV8Flags(['--expose-gc']);
  try {
    return f();
  } finally {
    setV8Flags(['--no-expose-gc']);
  }
}

/** Set RUNTIME_V8_FLAGS: first thing in a byteor process, before any worker starts. */
export function setRuntimeV8Flags(): void {
  setV8Flags(RUNTIME_V8_FLAGS);
}
