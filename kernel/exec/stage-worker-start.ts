/**
 * Starting SingleRing stage worker threads (kernel/exec/stage-worker.ts), and the spare one a
 * one-shot run starts ahead of itself. A worker thread takes a while to boot and to load its
 * modules; a `byteor run --sp` is over in a fraction of a second, so the CLI starts one spare
 * worker as soon as it knows the verb (`prestartStageWorker`), and the worker boots while the
 * main thread loads its plugins and the spec. The executor takes the spare for its first stage
 * (`startStageWorker`) and tells it its stage by message (`configureStageWorker`).
 *
 * A spare loads kernel modules only and waits: the run's plugins, its memory and its stage come
 * with `configure`, after the run is set up as before (its directory claimed, the runStarting
 * taps heard). Until it is taken it does not keep the process alive (unref), and a spare that
 * failed or exited is never handed out (a fresh worker reports the failure as any worker does).
 * What is not taken is terminated (`discardSpareStageWorker`: at the end of the invocation, or
 * as soon as the run is not a SingleRing run).
 */
import type { Worker } from 'node:worker_threads';
import { ownModuleUrl } from '../package-paths.ts';
import { startModuleWorker } from './module-worker.ts';
import type { StageWorkerCommand, StageWorkerData } from './worker-protocol.ts';

const STAGE_WORKER = ownModuleUrl('kernel/exec/stage-worker');

interface Spare {
  worker: Worker;
  /** it failed or exited while waiting */
  dead: boolean;
  onError(): void;
  onExit(): void;
}

let spare: Spare | null = null;

/** Start the spare stage worker (once; a no-op while there is one). */
export function prestartStageWorker(): void {
  if (spare) return;
  const worker = startModuleWorker(STAGE_WORKER);
  const s: Spare = {
    worker,
    dead: false,
    onError: () => {
      s.dead = true;
    },
    onExit: () => {
      s.dead = true;
    },
  };
  worker.on('error', s.onError);
  worker.once('exit', s.onExit);
  worker.unref();
  spare = s;
}

/** A stage worker waiting for its `configure` message: the spare when there is a live one, else a new one. */
export function startStageWorker(): Worker {
  const s = spare;
  spare = null;
  if (s) {
    if (!s.dead) {
      s.worker.off('error', s.onError);
      s.worker.off('exit', s.onExit);
      s.worker.ref();
      return s.worker;
    }
    void s.worker.terminate();
  }
  return startModuleWorker(STAGE_WORKER);
}

/** Tell a worker from `startStageWorker` its stage. */
export function configureStageWorker(worker: Worker, data: StageWorkerData): void {
  const command: StageWorkerCommand = { type: 'configure', data };
  worker.postMessage(command);
}

/** Terminate the spare if nothing took it; true when there was one. */
export async function discardSpareStageWorker(): Promise<boolean> {
  const s = spare;
  spare = null;
  if (s) await s.worker.terminate();
  return s !== null;
}
