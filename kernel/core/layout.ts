/**
 * The layout allocator: carves named regions out of one shared memory. Regions start above the
 * core's own data (`heapBase`, docs/platform-notes.md G3) at LAYOUT_START and are 4 KiB aligned, so no two
 * regions share a cache line or a page.
 */
import { sizingCore } from './wasm.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export const LAYOUT_START = 65536;
export const REGION_ALIGN = 4096;

export interface CarvedRegion {
  name: string;
  offset: number;
  bytes: number;
}

export class LayoutAllocator {
  private end = LAYOUT_START;
  readonly regions: CarvedRegion[] = [];

  constructor() {
    const heapBase = sizingCore().heapBase() >>> 0;
    if (heapBase > LAYOUT_START) {
      throw KernelErrors.error(
        'BYTEOR_E_CORE_INVALID',
        `build/core.wasm uses ${heapBase} bytes of static memory, more than the ${LAYOUT_START} reserved for ` +
          `it; rebuild it with "npm run build"`,
      );
    }
  }

  /** Reserve `bytes` for a region named `name`; returns its offset. */
  carve(name: string, bytes: number): number {
    if (!(bytes > 0))
      throw KernelErrors.error('BYTEOR_E_LAYOUT_INVALID', `region "${name}" has an invalid size (${bytes} bytes)`);
    const offset = this.end;
    this.end = Math.ceil((offset + bytes) / REGION_ALIGN) * REGION_ALIGN;
    this.regions.push({ name, offset, bytes });
    return offset;
  }

  /** Bytes the memory must have to hold every region carved so far. */
  get totalBytes(): number {
    return this.end;
  }

  /** Bytes of a ring region (0 when the geometry is invalid). */
  static ringBytes(capacity: number, slotBytes: number): number {
    return sizingCore().ringBytes(capacity, slotBytes);
  }
  /** Bytes of a counters region. */
  static countersBytes(blocks: number, perBlock: number): number {
    return sizingCore().countersBytes(blocks, perBlock);
  }
}
