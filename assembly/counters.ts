/**
 * Counters region: blocks of f64 counters, one block per stage worker, each block on its own
 * 128-byte lines. A counter has a single writer (its stage worker) that adds with plain
 * stores; any thread may read it (snapshots, the run summary).
 *
 *     0  header line (region.ts): capacity = blocks, slot_bytes = counters per block
 *   128  block 0: counters × f64, rounded up to whole lines; block 1 follows, ...
 */
import { KIND_COUNTERS, LINE, regionBegin, regionCommit, alignUp, H_CAPACITY, H_SLOT_BYTES } from './region';

export function countersBytes(blocks: u32, perBlock: u32): f64 {
  if (blocks < 1 || perBlock < 1 || perBlock > 1024) return 0;
  return <f64>LINE + <f64>blocks * <f64>alignUp(perBlock * 8, LINE);
}

export function countersInit(base: usize, blocks: u32, perBlock: u32): bool {
  const bytes = countersBytes(blocks, perBlock);
  if (bytes == 0) return false;
  if (!regionBegin(base, KIND_COUNTERS, blocks, perBlock, <u32>bytes)) return false;
  memory.fill(base + LINE, 0, <usize>bytes - LINE);
  regionCommit(base);
  return true;
}

/** Byte offset of counter `index` of block `block` (a Float64Array index is this / 8). */
export function counterAddr(base: usize, block: u32, index: u32): usize {
  const perBlock = load<u32>(base + H_SLOT_BYTES);
  if (block >= load<u32>(base + H_CAPACITY) || index >= perBlock) return 0;
  return base + LINE + <usize>block * alignUp(perBlock * 8, LINE) + <usize>index * 8;
}
