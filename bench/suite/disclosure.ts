/**
 * The bench half of the disclosure block for benches that run our SingleRing executor.
 */
import type { BenchDisclosure } from './bench-report.ts';
import type { PayloadPool } from './payloads.ts';
import { BENCH_CAPACITY, type WaitChoice } from './topology.ts';

export const SINGLE_RING_BOUNDARY =
  'one process: producer and egress on the main thread, each stage a worker thread over one shared WebAssembly.Memory';

export function ringDisclosure(o: {
  topology: string;
  stages: number;
  shards: number;
  wait: WaitChoice;
  pool: PayloadPool;
  batch: number;
  extraThreads?: number;
  boundary?: string;
  transport?: string;
  capacity?: number;
}): BenchDisclosure {
  return {
    topology: o.topology,
    threads: 1 + o.stages * o.shards + (o.extraThreads ?? 0),
    stages: o.stages,
    shards: o.shards,
    capacity: o.capacity ?? BENCH_CAPACITY,
    wait: o.wait.wait,
    wait_requested: o.wait.requested,
    payload_bytes: o.pool.maxBytes,
    payload_shape: o.pool.shape,
    batch: o.batch,
    process_boundary: o.boundary ?? SINGLE_RING_BOUNDARY,
    transport: o.transport ?? 'SingleRing (AssemblyScript core, shared memory, in-place stages)',
  };
}
