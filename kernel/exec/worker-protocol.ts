/**
 * What the executor and its stage workers say to each other. Only lifecycle travels by
 * postMessage (configure; ready, failed, done); records and counters go through shared memory.
 */
/** A stage worker starts without its stage (it may be started ahead of its run: stage-worker-start.ts) and is told it once. */
export interface StageWorkerCommand {
  type: 'configure';
  data: StageWorkerData;
}

export interface StageWorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ringBase: number;
  countersBase: number;
  countersBlocks: number;
  countersPerBlock: number;
  /** this worker's counters block */
  counterBlock: number;
  stageIndex: number;
  shard: number;
  key: string;
  /** plugin module URLs to import, in load order (PluginHost.pluginSpecifiers) */
  specifiers: string[];
  /** the plugin that provides `key` on the main thread (for the error when the worker's setup does not register it) */
  provider: string | null;
  flags: Record<string, unknown>;
  env: Record<string, string | undefined>;
  dryRun: boolean;
  /** most slots handed to one onBatch call */
  maxBatch: number;
}

export interface WorkerErrorInfo {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type StageWorkerMessage =
  | { type: 'ready'; counters: string[] }
  | { type: 'failed'; phase: 'start' | 'batch' | 'close' | 'async'; error: WorkerErrorInfo; sequence: number | null }
  | { type: 'done' };
