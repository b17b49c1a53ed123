/**
 * What every peer shares with single_ring_chain, so the ratios compare like with like: the same
 * chain length (sized by cores), payload pool, batch, capacity and wait rule; the main thread is
 * the producer and the consumer at the end of the chain, each stage a worker thread.
 */
import type { BenchDisclosure } from '../suite/bench-report.ts';
import type { BenchContext } from '../suite/bench-definition.ts';
import { syntheticPayloads, type PayloadPool } from '../suite/payloads.ts';
import { BENCH_CAPACITY, chainStages, chooseWait, type WaitChoice } from '../suite/topology.ts';
import { PEER_REFERENCE } from '../suite/registry.ts';

export interface PeerPlan {
  stages: number;
  wait: WaitChoice;
  pool: PayloadPool;
  batch: number;
  capacity: number;
  notes: string[];
}

export function peerPlan(ctx: BenchContext): PeerPlan {
  const o = ctx.options;
  const stages = chainStages(o, ctx.cores);
  const wait = chooseWait(o.wait, 1 + stages, ctx.cores);
  return {
    stages,
    wait,
    pool: syntheticPayloads(o.payload),
    batch: o.batch,
    capacity: BENCH_CAPACITY,
    notes: wait.note ? [wait.note] : [],
  };
}

export function peerSpec(
  name: string,
  p: PeerPlan,
  o: { wait: string; transport: string; boundary: string; topology?: string; threads?: number },
): {
  name: string;
  kind: 'peer';
  reference: string;
  disclosure: BenchDisclosure;
  notes: string[];
} {
  return {
    name,
    kind: 'peer',
    reference: PEER_REFERENCE,
    disclosure: {
      topology: o.topology ?? `chain of ${p.stages} forwarding stage${p.stages === 1 ? '' : 's'}`,
      threads: o.threads ?? 1 + p.stages,
      stages: p.stages,
      shards: 1,
      capacity: p.capacity,
      wait: o.wait,
      wait_requested: p.wait.requested,
      payload_bytes: p.pool.maxBytes,
      payload_shape: p.pool.shape,
      batch: p.batch,
      process_boundary: o.boundary,
      transport: o.transport,
    },
    notes: [...p.notes],
  };
}
