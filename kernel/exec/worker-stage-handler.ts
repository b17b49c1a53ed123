/**
 * A stage handler inside a worker thread, as a SingleRing stage worker (stage-worker.ts) and a
 * LaneGraph stage role (kernel/lanegraph/role-worker.ts) both set it up: the worker's named
 * counters in its block of the shared counters region, the handler created from the run's
 * plugins imported into a worker-side kernel, its quiet close after a batch error, and what a
 * thrown error becomes in the worker's `failed` message.
 */
import { isByteorError } from '../errors.ts';
import type { StageContext, StageCounter, StageHandler } from '../plugin-contract.ts';
import type { CountersHandle } from '../core/counters.ts';
import type { WorkerErrorInfo } from './worker-protocol.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/** A thrown error as a worker reports it (details must survive structured clone). */
export function workerErrorInfo(e: unknown): WorkerErrorInfo {
  if (isByteorError(e))
    return { code: e.code, message: e.message, ...(e.details ? { details: plain(e.details) } : {}) };
  return { code: 'BYTEOR_E_STAGE_FAILED', message: e instanceof Error ? e.message : String(e) };
}

function plain(x: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(x)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A worker's named counters: the first ask for a name takes the next counter of its block. */
export interface WorkerCounters {
  counter(name: string): StageCounter;
  /** the names in counter order (the `ready` message) */
  readonly names: string[];
}

export function workerCounters(counters: CountersHandle, block: number): WorkerCounters {
  const names: string[] = [];
  const byName = new Map<string, StageCounter>();
  const counter = (name: string): StageCounter => {
    let c = byName.get(name);
    if (!c) {
      c = counters.counter(block, names.length);
      names.push(name);
      byName.set(name, c);
    }
    return c;
  };
  return { counter, names };
}

export interface WorkerStageSetup {
  /** plugin module URLs to import, in load order */
  specifiers: string[];
  /** the plugin that provides `key` on the main thread, if any */
  provider: string | null;
  key: string;
  /** where the key did not resolve, for the error ("the stage worker", `the role worker of "x"`) */
  where: string;
  stageIndex: number;
  shard: number;
  slotBytes: number;
  dryRun: boolean;
  env: Record<string, string | undefined>;
  flags: Record<string, unknown>;
  counter(name: string): StageCounter;
}

/**
 * The worker-side kernel a stage handler is created with (plugin host and loader), imported on
 * demand: the plugin API pulls in the whole kernel, slow to start, and workers without a stage
 * never need it. A worker that waits for its stage imports it meanwhile (stage-worker.ts).
 */
export async function importWorkerKernel(): Promise<{
  Kernel: typeof import('../plugin-host.ts').Kernel;
  loadPlugins: typeof import('../plugin-loader.ts').loadPlugins;
}> {
  const [{ Kernel }, { loadPlugins }] = await Promise.all([import('../plugin-host.ts'), import('../plugin-loader.ts')]);
  return { Kernel, loadPlugins };
}

/** Import the run's plugins into a worker-side kernel, resolve the stage key and create its handler. */
export async function createWorkerStageHandler(s: WorkerStageSetup): Promise<StageHandler> {
  const { Kernel, loadPlugins } = await importWorkerKernel();
  const kernel = new Kernel({ inWorker: true });
  await loadPlugins(kernel, s.specifiers);
  const resolved = kernel.resolveStage(s.key);
  if (!resolved && s.provider && kernel.hasPlugin(s.provider)) {
    throw KernelErrors.error(
      'BYTEOR_E_PLUGIN_STAGE_NOT_IN_WORKER',
      `plugin "${s.provider}" provides stage key "${s.key}" on the main thread, but its setup did not register ` +
        `it inside ${s.where} (host.inWorker is true there): it registers the stage only outside workers, e.g. ` +
        `after "if (host.inWorker) return"; register stage families before that line`,
      { plugin: s.provider, key: s.key, hook: 'setup' },
    );
  }
  if (!resolved) {
    throw KernelErrors.error(
      'BYTEOR_E_STAGE_UNKNOWN',
      `no loaded plugin provides stage key "${s.key}" inside ${s.where}; load the plugin with --plugin=NAME or ` +
        `name it in the spec's plugins`,
    );
  }
  const ctx: StageContext = {
    key: s.key,
    argument: resolved.argument,
    stageIndex: s.stageIndex,
    shard: s.shard,
    slotBytes: s.slotBytes,
    dryRun: s.dryRun,
    env: Object.freeze({ ...s.env }),
    flags: Object.freeze({ ...s.flags }),
    counter: s.counter,
  };
  return resolved.family.create(ctx);
}

/** Close a handler after a batch error; a close error is dropped (the batch error is the one reported). */
export async function closeQuietly(h: StageHandler | null): Promise<void> {
  try {
    if (h?.close) await h.close();
  } catch {
    /* the batch error is the one reported */
  }
}
