import { z } from 'zod';
import {
  PluginSectionsField,
  RecordTotals,
  RunErrorField,
  RuntimeDocumentHeader,
  RuntimeProcessFields,
  WaitName,
} from './runtime-document-fields.ts';

/**
 * `single_ring_snapshot.json`: the ring state and gating view of a SingleRing runtime, as the
 * `snapshot` verb prints it and as the runtime keeps it in its run directory (`state.json`).
 * Sequences are the rings' 64-bit sequence numbers (exact below 2^53); a fresh ring starts at
 * cursor = -1. `lag` = cursor − the stage's sequence. A stage is `stalled` when its sequence did
 * not move between the runtime's last two samples (about a second apart) while its lag was > 0.
 */
export const SINGLE_RING_SNAPSHOT_FILE = 'single_ring_snapshot.json';
export const SINGLE_RING_SNAPSHOT_VERSION = 1;

const Int = z.number().int();

export const SnapshotStage = z.object({
  stage: Int,
  key: z.string(),
  sequence: Int,
  lag: Int,
  /** the stage worker's named counters (shared memory), keys sorted */
  counters: z.record(z.string(), z.number()),
});
export type SnapshotStage = z.infer<typeof SnapshotStage>;

export const SnapshotShard = z.object({
  shard: Int,
  capacity: Int,
  slot_bytes: Int,
  cursor: Int,
  /** the producer's gate: every slot up to here has left through egress */
  min_gating: Int,
  halt: z.enum(['running', 'ending', 'aborted']),
  stages: z.array(SnapshotStage),
  /** the egress reader (the slot-return boundary after the terminal stages) */
  egress: z.object({ sequence: Int, lag: Int }),
});
export type SnapshotShard = z.infer<typeof SnapshotShard>;

export const StalledStage = z.object({ shard: Int, stage: Int, key: z.string(), sequence: Int, lag: Int });
export type StalledStage = z.infer<typeof StalledStage>;

export const SingleRingSnapshot = z.object({
  snapshot_v: z.literal(SINGLE_RING_SNAPSHOT_VERSION),
  model: z.literal('single_ring'),
  ...RuntimeDocumentHeader,
  runtime: z.object({
    ...RuntimeProcessFields,
    wait: WaitName,
  }),
  records: RecordTotals,
  shards: z.array(SnapshotShard),
  stalled: z.array(StalledStage),
  error: RunErrorField,
  sections: PluginSectionsField,
});
export type SingleRingSnapshot = z.infer<typeof SingleRingSnapshot>;
