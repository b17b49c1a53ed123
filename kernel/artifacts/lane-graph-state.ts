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
 * `lane_graph_state.json`: the live state of every lane and role of a LaneGraph runtime, as the
 * `snapshot` verb prints it and as the runtime keeps it in its run directory (`state.json`).
 * The same lane/role/endpoint entries close a run's summary (`RunSummary.lane_graph`).
 *
 * Sequences are 64-bit lane sequences (exact below 2^53); a fresh lane has cursor = start - 1.
 * Per lane: `published` records entered it, `drops_full` were refused because it was full
 * (on_full=drop), and each reader has `released` records and lost `overrun` (journal in
 * overwrite mode); `lag` = cursor − the reader's sequence, `depth` = the largest lag. Health:
 * `failed` when the graph aborted (the lane was stopped), `degraded` when it dropped records
 * or a reader was overrun, else `healthy`; a role is `failed` when it failed, `degraded` when
 * records were dropped or lost at its lanes, else `healthy`. Field meanings: docs/lanegraph.md.
 */
export const LANE_GRAPH_STATE_FILE = 'lane_graph_state.json';
export const LANE_GRAPH_STATE_VERSION = 1;

const Int = z.number().int();
export const Health = z.enum(['healthy', 'degraded', 'failed']);
export type Health = z.infer<typeof Health>;

export const LaneReaderState = z.object({
  /** reader position on the lane (0..readers-1) */
  reader: Int,
  /** the role or egress endpoint holding it */
  name: z.string(),
  kind: z.enum(['role', 'egress']),
  /** last released sequence */
  sequence: Int,
  released: Int,
  lag: Int,
  overrun: Int,
});
export type LaneReaderState = z.infer<typeof LaneReaderState>;

export const LaneState = z.object({
  name: z.string(),
  kind: z.enum(['events', 'fanout_broadcast', 'journal', 'sequenced_slots']),
  capacity: Int,
  slot_bytes: Int,
  on_full: z.enum(['block', 'drop']),
  writer: z.object({ kind: z.enum(['role', 'ingress']), name: z.string() }),
  cursor: Int,
  published: Int,
  depth: Int,
  drops_full: Int,
  readers: z.array(LaneReaderState),
  halt: z.enum(['running', 'ending', 'aborted']),
  health: Health,
});
export type LaneState = z.infer<typeof LaneState>;

export const RouterConsumerState = z.object({
  lane: z.string(),
  routed: Int,
  /** records this consumer missed because its lane was full (broadcast under on_full=drop) */
  drops_full: Int,
  /** free slots in the consumer's lane: how many more records it can take now */
  credit: Int,
});

export const RoleState = z.object({
  name: z.string(),
  kind: z.enum(['stage', 'bridge', 'router', 'merge']),
  key: z.string().nullable(),
  mode: z.enum(['broadcast', 'work_queue']).nullable(),
  policy: z.enum(['round_robin']).nullable(),
  inserted: z.boolean(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  /** records taken from its inputs */
  records: Int,
  batches: Int,
  /** every named counter of the role worker (built-in, role-specific, the stage handler's), keys sorted */
  counters: z.record(z.string(), z.number()),
  router: z.object({ consumers: z.array(RouterConsumerState), drops_all_full: Int }).nullable(),
  merge: z.object({ inputs: z.array(z.object({ lane: z.string(), taken: Int })) }).nullable(),
  health: Health,
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type RoleState = z.infer<typeof RoleState>;

export const EndpointState = z.object({
  name: z.string(),
  kind: z.enum(['ingress', 'egress']),
  lane: z.string(),
  /** ingress: records written into its lane; egress: records written through the egress adapter */
  records: Int,
  /** ingress: refused by its full lane (on_full=drop); egress: arrived dropped by a stage */
  dropped: Int,
});
export type EndpointState = z.infer<typeof EndpointState>;

export const StalledReader = z.object({ lane: z.string(), reader: Int, name: z.string(), sequence: Int, lag: Int });
export type StalledReader = z.infer<typeof StalledReader>;

/** The lanes, roles and endpoints of a run (also the `lane_graph` part of a run summary). */
export const LaneGraphCounts = z.object({
  lanes: z.array(LaneState),
  roles: z.array(RoleState),
  endpoints: z.array(EndpointState),
});
export type LaneGraphCounts = z.infer<typeof LaneGraphCounts>;

export const LaneGraphState = z.object({
  state_v: z.literal(LANE_GRAPH_STATE_VERSION),
  model: z.literal('lane_graph'),
  ...RuntimeDocumentHeader,
  runtime: z.object({
    ...RuntimeProcessFields,
    /**
     * the spec's (or --wait's) strategy, and the one applied (spin falls back to backoff when roles outnumber cores)
     */
    wait: z.object({ requested: WaitName, applied: WaitName }),
  }),
  on_full: z.enum(['block', 'drop']),
  /**
   * in: ingress records; out: egress records; dropped: every copy lost on the way (stage drops, drops_full,
   * drops_all_full, overrun)
   */
  records: RecordTotals,
  ...LaneGraphCounts.shape,
  /** readers whose position did not move between the runtime's last two samples while they lagged */
  stalled: z.array(StalledReader),
  error: RunErrorField,
  sections: PluginSectionsField,
});
export type LaneGraphState = z.infer<typeof LaneGraphState>;
