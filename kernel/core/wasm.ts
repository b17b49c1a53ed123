/**
 * The only code that loads build/core.wasm. The module is compiled once per process and
 * instantiated once per thread over the runtime's one shared `WebAssembly.Memory`; workers get
 * the compiled `WebAssembly.Module` with their start data (a role worker's workerData, a stage
 * worker's `configure` message) and call `instantiateCore` themselves.
 *
 * `--no-liftoff` is set here before any compile (docs/platform-notes.md G1: Node 20's baseline compiler
 * miscompiles code around `atomic.wait` and pipelines hang), so library use is as safe as the
 * CLI, and a probe checks at load time that the compiled code is the fixed kind.
 */
import { readFileSync, existsSync } from 'node:fs';
import { ByteorError } from '../errors.ts';
import { packageFile } from '../package-paths.ts';
import type { CoreExports } from './core-exports.ts';
import { clockTicks } from './clock-ticks.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';
import { WASM_V8_FLAGS, setV8Flags } from '../runtime-flags.ts';

setV8Flags(WASM_V8_FLAGS);

/** The raw exports of build/core.wasm, generated from assembly/ (scripts/core-bindings.mjs). */
export type { CoreExports } from './core-exports.ts';

/** Region kinds and header constants, as compiled into the core (assembly/region.ts). */
export const KIND_SINGLE_RING = 101;
export const KIND_COUNTERS = 201;
/** LaneGraph region kinds (assembly/lanes/layout.ts); a sequenced_slots lane is a KIND_SINGLE_RING region. */
export const KIND_LANE_EVENTS = 111;
export const KIND_LANE_FANOUT = 112;
export const KIND_LANE_JOURNAL = 113;
export const KIND_DOORBELLS = 121;
export const WASM_PAGE = 65536;
/** The module's declared memory limits (asconfig.json), in pages. */
export const CORE_MIN_PAGES = 16;
export const CORE_MAX_PAGES = 65536;

function corePath(): string {
  const p = packageFile('build/core.wasm');
  if (existsSync(p)) return p;
  throw KernelErrors.error(
    'BYTEOR_E_CORE_MISSING',
    'build/core.wasm is missing; build it with "npm run build" (it compiles assembly/ with asc)',
  );
}

let compiled: WebAssembly.Module | undefined;

/** Compile build/core.wasm (once per process). */
export function compileCore(): WebAssembly.Module {
  if (!compiled) {
    try {
      compiled = new WebAssembly.Module(readFileSync(corePath()));
    } catch (e) {
      if (e instanceof ByteorError) throw e;
      throw KernelErrors.error(
        'BYTEOR_E_CORE_INVALID',
        `build/core.wasm does not compile (${(e as Error).message}); rebuild it with "npm run build"`,
      );
    }
  }
  return compiled;
}

/** Instantiate the core over `memory` in this thread. */
export function instantiateCore(module: WebAssembly.Module, memory: WebAssembly.Memory): CoreExports {
  const instance = new WebAssembly.Instance(module, { env: { memory, clockTicks } });
  return instance.exports as unknown as CoreExports;
}

/** A shared memory of at least `bytes` bytes that never grows (a grow would move the buffer). */
export function createSharedMemory(bytes: number): WebAssembly.Memory {
  const pages = Math.max(CORE_MIN_PAGES, Math.ceil(bytes / WASM_PAGE));
  if (pages > CORE_MAX_PAGES) {
    throw KernelErrors.error(
      'BYTEOR_E_LAYOUT_TOO_LARGE',
      `the runtime needs ${bytes} bytes of shared memory, more than the core's 4 GiB; lower capacity, ` +
        `slot_bytes or shards`,
    );
  }
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

let sizing: CoreExports | undefined;

/**
 * An instance over a small private memory, for pure functions (region sizes) before the
 * runtime's memory exists. Also runs the G1 probe once.
 */
export function sizingCore(): CoreExports {
  if (!sizing) {
    const ex = instantiateCore(compileCore(), createSharedMemory(0));
    probeG1(ex);
    sizing = ex;
  }
  return sizing;
}

function probeG1(ex: CoreExports): void {
  if (typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined') return;
  const word = 60_000;
  const got = ex.g1Probe(word);
  if (got !== ((word << 8) | 1)) {
    throw KernelErrors.error(
      'BYTEOR_E_CORE_MISCOMPILED',
      `the WebAssembly core was compiled by V8's baseline compiler, which miscompiles atomic waits on Node 20 ` +
        `(probe returned ${got}); start node with --no-liftoff before anything compiles WebAssembly`,
    );
  }
}
