/**
 * Lines out of the ring slots: the records of an EgressView, each followed by `\n`, copied into
 * an output buffer with the word loop of byte-copy.ts (no object per record). Shared by the line
 * egress (kernel/io/line-egress.ts) and EdgePlane's file egress. Keeps the DataView of the
 * shared memory it last copied from.
 */
import type { EgressView } from '../plugin-contract.ts';
import { LastView, copyBytes } from './byte-copy.ts';

const NL = 10;

export class ViewLines {
  /** the DataView of the last `view.memory` */
  private readonly memView = new LastView();

  /** Copy the records of `view` as lines into `buf` (viewed by `dst`) from `at` on; returns where they end. */
  copy(view: EgressView, buf: Uint8Array, dst: DataView, at: number): number {
    const src = this.memView.of(view.memory);
    const base = this.memView.offset;
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
