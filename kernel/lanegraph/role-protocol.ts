/**
 * What the LaneGraph executor and its role workers say to each other. Only lifecycle travels by
 * postMessage (ready, failed, done); records, positions and counters go through shared memory.
 */
import type { LaneKindName } from '../core/lane.ts';
import type { WaitKind } from '../core/ring.ts';
import type { WorkerErrorInfo } from '../exec/worker-protocol.ts';

export type RoleKind = 'stage' | 'bridge' | 'router' | 'merge';

export interface LaneRef {
  base: number;
  kind: LaneKindName;
  name: string;
}

export interface RoleWorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  roleIndex: number;
  name: string;
  kind: RoleKind;
  /** stage key (stage roles) */
  key: string | null;
  /** router mode */
  mode: 'broadcast' | 'work_queue';
  inputs: Array<LaneRef & { reader: number }>;
  outputs: LaneRef[];
  /** lane_graph.on_full: a full output lane makes the role wait (block) or drop the newest records (drop) */
  onFull: 'block' | 'drop';
  /** the wait strategy applied (after any fallback) and its spin budget, for doorbell waits */
  wait: WaitKind;
  spinNs: number;
  /** byte offset of this role's doorbell cell (merges and work-queue routers), else 0 */
  doorbell: number;
  countersBase: number;
  countersBlocks: number;
  countersPerBlock: number;
  counterBlock: number;
  /** plugin module URLs to import, in load order (stage roles resolve their family in the worker) */
  specifiers: string[];
  /** the plugin that provides `key` on the main thread (stage roles; else null) */
  provider: string | null;
  flags: Record<string, unknown>;
  env: Record<string, string | undefined>;
  dryRun: boolean;
  /** most records one step takes from an input (and hands to a stage handler at once) */
  maxBatch: number;
}

export type RoleWorkerMessage =
  | { type: 'ready'; counters: string[] }
  | {
      type: 'failed';
      phase: 'start' | 'batch' | 'close' | 'async';
      error: WorkerErrorInfo;
      sequence: number | null;
      lane: string | null;
    }
  | { type: 'done'; aborted: boolean };
