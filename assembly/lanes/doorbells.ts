/**
 * Doorbells region: one wake cell (wait.ts format, alone on its 128-byte line) per role that
 * waits for several lanes at once (a merge, a work-queue router, the egress). Lanes ring it
 * (lane.ts laneSetDoorbells); the owner sleeps on its epoch with the wait.ts protocol.
 *
 *     0  header line (region.ts): capacity = cells, slot_bytes = 0
 *   128  cell 0; cell i at 128 + i*128
 */
import { LINE, regionBegin, regionCommit, H_CAPACITY } from '../region';
import { KIND_DOORBELLS } from './layout';

export function doorbellsBytes(cells: u32): f64 {
  if (cells < 1 || cells > 4096) return 0;
  return <f64>LINE + <f64>cells * <f64>LINE;
}

export function doorbellsInit(base: usize, cells: u32): bool {
  const bytes = doorbellsBytes(cells);
  if (bytes == 0) return false;
  if (!regionBegin(base, KIND_DOORBELLS, cells, 0, <u32>bytes)) return false;
  memory.fill(base + LINE, 0, <usize>bytes - LINE);
  regionCommit(base);
  return true;
}

/** Address of cell `i` (0 when out of range). */
export function doorbellAddr(base: usize, i: u32): usize {
  if (i >= load<u32>(base + H_CAPACITY)) return 0;
  return base + LINE + <usize>i * LINE;
}
