/**
 * Limits of spec v1 that validation enforces and executors rely on. Documented in
 * docs/spec-kv.md ("Limits"); changing one is a spec-format change.
 */

/** Stages per SingleRing (ByteOr's SEQUENCED_SLOTS_V1_GATING: one gating sequence per stage). */
export const SEQUENCED_SLOTS_V1_GATING = 4;

/** Readers of one fanout_broadcast lane (ByteOr's FANOUT_V1_MAX_CONSUMERS; the value is ours). */
export const FANOUT_V1_MAX_CONSUMERS = 8;

/** Shards of one SingleRing (each shard is a ring with its own stage workers). */
export const SINGLE_RING_MAX_SHARDS = 64;

/** Ring and lane capacities: powers of two in [MIN_CAPACITY, MAX_CAPACITY] slots. */
export const MIN_CAPACITY = 2;
export const MAX_CAPACITY = 1 << 24;

/** Payload bytes per slot. */
export const MIN_SLOT_BYTES = 1;
export const MAX_SLOT_BYTES = 1 << 20;

/** Bytes of slot header (length word) counted per slot by the memory bound below. */
export const SLOT_HEADER_BYTES = 8;

/** shards x capacity x (slot_bytes + SLOT_HEADER_BYTES) may not exceed this (1 GiB). */
export const MAX_RING_MEMORY_BYTES = 1 << 30;

/** A spec.kv file larger than this is refused before parsing. */
export const MAX_SPEC_BYTES = 1 << 20;

/** Array indices in spec.kv keys run 0..MAX_INDEX. */
export const MAX_INDEX = 1023;

/** The kv parser stops reporting after this many errors (and says so). */
export const MAX_KV_ERRORS = 100;

/** Lane kinds that need `lane_graph.features.<j>=<kind>` before a spec may use them. */
export const FEATURE_GATED_LANE_KINDS = ['journal', 'sequenced_slots'] as const;

export const DEFAULT_CAPACITY = 1024;
export const DEFAULT_SLOT_BYTES = 256;
