import { z } from 'zod';
import { SingleRingSnapshot, SINGLE_RING_SNAPSHOT_FILE } from './single-ring-snapshot.ts';
import { LaneGraphState, LANE_GRAPH_STATE_FILE } from './lane-graph-state.ts';

/**
 * A runtime's state document, whichever model it runs: `single_ring_snapshot.json` or
 * `lane_graph_state.json`, told apart by `model`. The state file, the control socket's
 * snapshot answer and the `snapshot` verb carry one of these.
 */
export const RuntimeStateDocument = z.discriminatedUnion('model', [SingleRingSnapshot, LaneGraphState]);
export type RuntimeStateDocument = z.infer<typeof RuntimeStateDocument>;

/** The artifact file name of a state document (in incident bundles, `snapshot --out` suggestions). */
export function runtimeStateFile(doc: RuntimeStateDocument): string {
  return doc.model === 'single_ring' ? SINGLE_RING_SNAPSHOT_FILE : LANE_GRAPH_STATE_FILE;
}
