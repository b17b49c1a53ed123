/**
 * Region header: every region the kernel carves out of the shared memory starts with one
 * 128-byte header line. It is validated before use; a region stuck at `initialized = 1`
 * (its creator died half-way) is refused, never guessed at.
 *
 *   +0  magic u32        REGION_MAGIC ("BYOR")
 *   +4  version u32      LAYOUT_VERSION
 *   +8  kind u32         KIND_SINGLE_RING | KIND_COUNTERS | ... (lanes add their own kinds)
 *   +12 initialized u32  0 uninitialised, 1 initialising, 2 initialised
 *   +16 capacity u32     slots (rings) or blocks (counters); a power of two for rings
 *   +20 slot_bytes u32   payload bytes per slot (rings); counters per block (counters)
 *   +24 layout_bytes u32 total bytes of the region, header included
 *   +28 reserved u32
 *   +32 .. +127          kind-specific fields
 */

export const REGION_MAGIC: u32 = 0x524f5942; // bytes "BYOR" in memory order
export const LAYOUT_VERSION: u32 = 1;
export const LINE: u32 = 128;

export const KIND_SINGLE_RING: u32 = 101; // ByteOr's BYTEOR_REGION_KIND_SEQUENCED_SLOTS
export const KIND_COUNTERS: u32 = 201;

export const H_MAGIC: u32 = 0;
export const H_VERSION: u32 = 4;
export const H_KIND: u32 = 8;
export const H_INIT: u32 = 12;
export const H_CAPACITY: u32 = 16;
export const H_SLOT_BYTES: u32 = 20;
export const H_LAYOUT_BYTES: u32 = 24;

export const INIT_NONE: u32 = 0;
export const INIT_BUSY: u32 = 1;
export const INIT_DONE: u32 = 2;

/** Validation results (`regionCheck`); the JS side maps them to ByteorError codes. */
export const CHECK_OK: i32 = 0;
export const CHECK_BAD_MAGIC: i32 = 1;
export const CHECK_BAD_VERSION: i32 = 2;
export const CHECK_BAD_KIND: i32 = 3;
export const CHECK_UNINITIALIZED: i32 = 4;
export const CHECK_INITIALIZING: i32 = 5;
export const CHECK_BAD_GEOMETRY: i32 = 6;

/**
 * Claim a fresh region for initialisation: `initialized` must be 0 and becomes 1. Returns false
 * when someone else already initialised (or is initialising) it.
 */
export function regionBegin(base: usize, kind: u32, capacity: u32, slotBytes: u32, layoutBytes: u32): bool {
  if (atomic.cmpxchg<u32>(base + H_INIT, INIT_NONE, INIT_BUSY) != INIT_NONE) return false;
  store<u32>(base + H_MAGIC, REGION_MAGIC);
  store<u32>(base + H_VERSION, LAYOUT_VERSION);
  store<u32>(base + H_KIND, kind);
  store<u32>(base + H_CAPACITY, capacity);
  store<u32>(base + H_SLOT_BYTES, slotBytes);
  store<u32>(base + H_LAYOUT_BYTES, layoutBytes);
  return true;
}

/** Publish a fully written region: `initialized` 1 → 2 (a sequentially consistent store). */
export function regionCommit(base: usize): void {
  atomic.store<u32>(base + H_INIT, INIT_DONE);
}

/** Check the header of a region of the expected kind. */
export function regionCheck(base: usize, kind: u32): i32 {
  const init = atomic.load<u32>(base + H_INIT);
  if (init == INIT_NONE) return CHECK_UNINITIALIZED;
  if (init == INIT_BUSY) return CHECK_INITIALIZING;
  if (init != INIT_DONE) return CHECK_BAD_GEOMETRY;
  if (load<u32>(base + H_MAGIC) != REGION_MAGIC) return CHECK_BAD_MAGIC;
  if (load<u32>(base + H_VERSION) != LAYOUT_VERSION) return CHECK_BAD_VERSION;
  if (load<u32>(base + H_KIND) != kind) return CHECK_BAD_KIND;
  return CHECK_OK;
}

// @ts-ignore: decorator
@inline export function alignUp(n: u32, a: u32): u32 {
  return (n + a - 1) & ~(a - 1);
}
