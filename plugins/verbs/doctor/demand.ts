import type { LoadedSpec } from '../../../kernel/spec/load.ts';
import type { ThreadDemand } from './checks.ts';

/** Bytes of one slot: a 4-byte length word and the payload. */
const SLOT_OVERHEAD = 4;

/**
 * The threads and ring memory a spec needs: SingleRing runs one worker per stage per shard,
 * LaneGraph one worker per role; both add the main thread (ingress, control socket). Ring bytes
 * are slots × (payload + length word), headers not counted.
 */
export function demandOfSpec(loaded: Pick<LoadedSpec, 'spec' | 'path' | 'hash'>): ThreadDemand {
  const s = loaded.spec;
  let stageThreads: number;
  let ringBytes: number;
  let wait: string;
  if (s.model === 'single_ring') {
    const r = s.single_ring;
    stageThreads = r.stages.length * r.shards;
    ringBytes = r.shards * r.capacity * (r.slot_bytes + SLOT_OVERHEAD);
    wait = r.wait;
  } else {
    const g = s.lane_graph;
    stageThreads = g.roles.length;
    ringBytes = g.lanes.reduce((n, l) => n + l.capacity * (g.slot_bytes + SLOT_OVERHEAD), 0);
    wait = g.wait;
  }
  return {
    source: 'spec',
    specPath: loaded.path,
    specHash: loaded.hash,
    stageThreads,
    totalThreads: stageThreads + 1,
    ringBytes,
    wait,
  };
}

/** Without a spec: the smallest pipeline, one stage thread and the main thread. */
export const MINIMUM_DEMAND: ThreadDemand = {
  source: 'minimum',
  specPath: null,
  specHash: null,
  stageThreads: 1,
  totalThreads: 2,
  ringBytes: null,
  wait: null,
};
