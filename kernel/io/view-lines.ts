/**
 * Lines out of the ring slots: the records of an EgressView, each followed by `\n`, copied into
 * an output buffer with the word loop of byte-copy.ts (no object per record). Shared by the line
 * egress (kernel/io/line-egress.ts) and EdgePlane's file egress. Keeps the DataView of the
 * shared memory it last copied from.
 */
import type { EgressView } from '../plugin-contract.ts';
import { copyBytes, dataViewOf } from './byte-copy.ts';

const NL = 10;

export class ViewLines {
  /** the last `view.memory` and its DataView and offset (a typed array's getters are runtime calls on Node 20) */
  private memory: Uint8Array | null = null;
  private memView: DataView | null = null;
  private base = 0;

  /** Copy the records of `view` as lines into `buf` (viewed by `dst`) from `at` on; returns where they end. */
  copy(view: EgressView, buf: Uint8Array, dst: DataView, at: number): number {
    if (view.memory !== this.memory) {
      this.memory = view.memory;
      this.memView = dataViewOf(view.memory);
      this.base = view.memory.byteOffset;
    }
    const src = this.memView!;
    const base = this.base;
    const n = view.count;
    let o = at;
    for (let i = 0; i < n; i++) {
      const len = view.length(i);
      copyBytes(src, view.offset(i) - base, dst, o, len);
      o += len;
      buf[o++] = NL;
    }
    return o;
  }
}
