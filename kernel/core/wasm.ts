/**
 * The only code that loads build/core.wasm. The module is compiled once per process and
 * instantiated once per thread over the runtime's one shared `WebAssembly.Memory`; workers get
 * the compiled `WebAssembly.Module` through workerData and call `instantiateCore` themselves.
 *
 * `--no-liftoff` is set here before any compile (stack-notes G1: Node 20's baseline compiler
 * miscompiles code around `atomic.wait` and pipelines hang), so library use is as safe as the
 * CLI, and a probe checks at load time that the compiled code is the fixed kind.
 */
import v8 from 'node:v8';
import process from 'node:process';
import { readFileSync, existsSync } from 'node:fs';
import { ByteorError } from '../errors.ts';
import { packageFile } from '../package-paths.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

try { v8.setFlagsFromString('--no-liftoff'); } catch { /* Deno: no such switch and no G1 bug */ }

/** The raw exports of build/core.wasm (assembly/index.ts). Addresses are byte offsets. */
export interface CoreExports {
  heapBase(): number;
  regionCheck(base: number, kind: number): number;
  clockNs(): number;
  g1Probe(word: number): number;
  cellPrepare(cell: number): number;
  cellDone(cell: number): void;
  cellWake(cell: number): void;
  ringBytes(capacity: number, slotBytes: number): number;
  ringSlotStride(slotBytes: number): number;
  ringInit(base: number, capacity: number, slotBytes: number, stageCount: number, deps: number,
    egress: number, wait: number, spinNs: number, startSeq: number): number;
  ringCapacity(base: number): number;
  ringSlotBytes(base: number): number;
  ringStride(base: number): number;
  ringSlotsOffset(base: number): number;
  ringStageCount(base: number): number;
  ringGatingMask(base: number): number;
  ringConsumersMask(base: number): number;
  ringDeps(base: number, cell: number): number;
  ringWaitKind(base: number): number;
  ringSpinNs(base: number): number;
  ringSetWait(base: number, wait: number, spinNs: number): void;
  ringSlot(base: number, seq: number): number;
  ringCursor(base: number): number;
  ringCellSeq(base: number, cell: number): number;
  ringCellAddr(base: number, cell: number): number;
  ringCursorAddr(base: number): number;
  ringHalt(base: number): number;
  ringEndSeq(base: number): number;
  ringFailCell(base: number): number;
  ringFailSeq(base: number): number;
  ringMinGating(base: number): number;
  ringWaitFor(base: number, cell: number, target: number): number;
  ringAvailable(base: number, cell: number, target: number): number;
  ringSpinFor(base: number, cell: number, target: number, budgetNs: number): number;
  ringConsumerWaitCell(base: number, cell: number, target: number): number;
  ringRelease(base: number, cell: number, seq: number): void;
  ringNext(base: number): number;
  ringTryClaim(base: number, n: number): number;
  ringClaim(base: number, n: number): number;
  ringProducerWaitCell(base: number, n: number): number;
  ringPublish(base: number): number;
  ringWrite(base: number, seq: number, src: number, len: number): void;
  ringTryWriteSpans(base: number, src: number, spans: number, n: number): number;
  ringLength(base: number, seq: number): number;
  ringDropped(base: number, seq: number): number;
  ringEnd(base: number): number;
  ringAbort(base: number, cell: number, seq: number): number;
  countersBytes(blocks: number, perBlock: number): number;
  countersInit(base: number, blocks: number, perBlock: number): number;
  counterAddr(base: number, block: number, index: number): number;
  // LaneGraph lanes (assembly/lanes/, kernel/core/lane.ts)
  laneFree(base: number): number;
  laneNext(base: number): number;
  laneTryClaim(base: number, n: number): number;
  laneClaim(base: number, n: number): number;
  laneUnclaim(base: number, n: number): void;
  lanePublish(base: number): number;
  laneCountDrops(base: number, n: number): void;
  laneWriterWaitCell(base: number, n: number): number;
  laneWaitFor(base: number, reader: number, target: number): number;
  laneAvailable(base: number, reader: number, target: number): number;
  laneSpinFor(base: number, reader: number, target: number, budgetNs: number): number;
  laneStopped(base: number, target: number): number;
  laneReaderWaitCell(base: number, target: number): number;
  laneRelease(base: number, reader: number, seq: number): void;
  laneCopy(src: number, reader: number, srcSeq: number, n: number, dst: number, dstSeq: number): number;
  laneCopyRaw(src: number, srcSeq: number, n: number, dst: number, dstSeq: number): void;
  laneEnd(base: number): number;
  laneAbort(base: number, who: number, seq: number): number;
  laneSetReaderDoorbell(base: number, reader: number, bell: number): void;
  laneSetWriterDoorbell(base: number, bell: number): void;
  laneReaders(base: number): number;
  laneCursor(base: number): number;
  laneReaderSeq(base: number, reader: number): number;
  laneStart(base: number): number;
  laneDrops(base: number): number;
  laneOverrun(base: number, reader: number): number;
  laneOverwrite(base: number): number;
  laneHalt(base: number): number;
  laneEndSeq(base: number): number;
  laneFailWho(base: number): number;
  laneFailSeq(base: number): number;
  laneMinGating(base: number): number;
  laneWaitKind(base: number): number;
  laneSpinNs(base: number): number;
  laneStride(base: number): number;
  laneSlotsStart(base: number): number;
  laneMaxReaders(): number;
  eventsBytes(capacity: number, slotBytes: number): number;
  eventsInit(base: number, capacity: number, slotBytes: number, wait: number, spinNs: number, startSeq: number): number;
  fanoutBytes(readers: number, capacity: number, slotBytes: number): number;
  fanoutInit(base: number, readers: number, capacity: number, slotBytes: number, wait: number, spinNs: number, startSeq: number): number;
  journalBytes(readers: number, capacity: number, slotBytes: number): number;
  journalInit(base: number, readers: number, capacity: number, slotBytes: number, overwrite: number, wait: number, spinNs: number, startSeq: number): number;
  journalCommitted(base: number, seq: number): number;
  journalSkipOverrun(base: number, reader: number, next: number): number;
  slotsLaneBytes(capacity: number, slotBytes: number): number;
  slotsLaneInit(base: number, capacity: number, slotBytes: number, wait: number, spinNs: number, startSeq: number): number;
  doorbellsBytes(cells: number): number;
  doorbellsInit(base: number, cells: number): number;
  doorbellAddr(base: number, index: number): number;
}

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
  throw KernelErrors.error('BYTEOR_E_CORE_MISSING',
    'build/core.wasm is missing; build it with "npm run build" (it compiles assembly/ with asc)');
}

let compiled: WebAssembly.Module | undefined;

/** Compile build/core.wasm (once per process). */
export function compileCore(): WebAssembly.Module {
  if (!compiled) {
    try {
      compiled = new WebAssembly.Module(readFileSync(corePath()));
    } catch (e) {
      if (e instanceof ByteorError) throw e;
      throw KernelErrors.error('BYTEOR_E_CORE_INVALID',
        `build/core.wasm does not compile (${(e as Error).message}); rebuild it with "npm run build"`);
    }
  }
  return compiled;
}

/** Ticks per second and tick mask of the core's clock import (assembly/wait.ts: 100 ns ticks, 30 bits). */
const CLOCK_TICKS_PER_S = 10_000_000;
const CLOCK_NS_PER_TICK = 100;
const CLOCK_TICK_MASK = 0x3fffffff;
/**
 * The core's clock import: the monotonic high-resolution clock in 100 ns ticks masked to 30 bits,
 * an integer V8 keeps unboxed (a Smi), so a read allocates nothing; the core widens it
 * (assembly/wait.ts). `process.hrtime()`, not `performance.now()`: on Node 20 the latter returns a
 * heap number from native code on every call (measured: 5 M reads, 78 collections), while the
 * former fills a shared array through a fast API call and its result array is optimised away
 * (5 M reads, no collection).
 */
const clockTicks = (): number => {
  const t = process.hrtime();
  return (t[0]! * CLOCK_TICKS_PER_S + t[1]! / CLOCK_NS_PER_TICK) & CLOCK_TICK_MASK;
};

/** Instantiate the core over `memory` in this thread. */
export function instantiateCore(module: WebAssembly.Module, memory: WebAssembly.Memory): CoreExports {
  const instance = new WebAssembly.Instance(module, { env: { memory, clockTicks } });
  return instance.exports as unknown as CoreExports;
}

/** A shared memory of at least `bytes` bytes that never grows (a grow would move the buffer). */
export function createSharedMemory(bytes: number): WebAssembly.Memory {
  const pages = Math.max(CORE_MIN_PAGES, Math.ceil(bytes / WASM_PAGE));
  if (pages > CORE_MAX_PAGES) {
    throw KernelErrors.error('BYTEOR_E_LAYOUT_TOO_LARGE',
      `the runtime needs ${bytes} bytes of shared memory, more than the core's 4 GiB; lower capacity, slot_bytes or shards`);
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
    throw KernelErrors.error('BYTEOR_E_CORE_MISCOMPILED',
      `the WebAssembly core was compiled by V8's baseline compiler, which miscompiles atomic waits on Node 20 (probe returned ${got}); start node with --no-liftoff before anything compiles WebAssembly`);
  }
}
