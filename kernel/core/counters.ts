/**
 * Typed handle over a counters region: one block of f64 counters per stage worker. A counter
 * has one writer (its worker), which adds with a plain store; readers see a recent value.
 */
import type { StageCounter } from '../plugin-contract.ts';
import { validateRegion } from './region.ts';
import { KIND_COUNTERS, type CoreExports } from './wasm.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export class CountersHandle {
  private readonly f64: Float64Array;

  constructor(
    private readonly core: CoreExports,
    memory: WebAssembly.Memory,
    readonly base: number,
    readonly blocks: number,
    readonly perBlock: number,
  ) {
    validateRegion(core, base, KIND_COUNTERS, 'counters');
    this.f64 = new Float64Array(memory.buffer);
  }

  static create(
    core: CoreExports,
    memory: WebAssembly.Memory,
    base: number,
    blocks: number,
    perBlock: number,
  ): CountersHandle {
    if (!core.countersInit(base, blocks, perBlock)) {
      throw KernelErrors.error(
        'BYTEOR_E_LAYOUT_INVALID',
        `cannot initialise the counters region at ${base} (${blocks} blocks of ${perBlock})`,
      );
    }
    return new CountersHandle(core, memory, base, blocks, perBlock);
  }

  /** Counter `index` of `block` as a StageCounter (allocation-free `add`). */
  counter(block: number, index: number): StageCounter {
    const addr = this.core.counterAddr(this.base, block, index) >>> 0;
    if (addr === 0)
      throw KernelErrors.error('BYTEOR_E_COUNTER_LIMIT', `a stage may have at most ${this.perBlock} counters`);
    const f64 = this.f64;
    const i = addr / 8;
    return {
      add(n: number) {
        f64[i] += n;
      },
      get value() {
        return f64[i]!;
      },
    };
  }

  value(block: number, index: number): number {
    const addr = this.core.counterAddr(this.base, block, index) >>> 0;
    return addr === 0 ? 0 : this.f64[addr / 8]!;
  }
}
