/**
 * The executor's side of its worker threads (SingleRing stage workers, LaneGraph role workers):
 * the flags it may forward to them, the start handshake (`ready` with the worker's counter names,
 * or `failed`, an error or an early exit), and the end of a run (wait for every worker to say
 * `done`, or after a failure give them a grace period to report, then terminate them all).
 * What a worker says in between is the executor's own business (its worker protocol).
 */
import type { Worker } from 'node:worker_threads';
import type { ByteorError } from '../errors.ts';

/** How long stopped workers get to report before they are terminated. */
export const WORKER_EXIT_GRACE_MS = 5_000;

/** Flags forwarded to workers must be plain data (structured clone). */
export function plainFlags(flags: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined || typeof v === 'function') continue;
    try {
      structuredClone(v);
      out[k] = v;
    } catch {
      /* not plain data: not forwarded */
    }
  }
  return out;
}

export interface WorkerStartErrors<M extends { type: string }> {
  /** the worker reported a failure before it was ready */
  failed(m: Extract<M, { type: 'failed' }>): ByteorError;
  /** the worker crashed (an error event, or it exited before it was ready) */
  crashed(e: Error): ByteorError;
}

/**
 * Resolves with the worker's counter names once it says `ready`; rejects when it says `failed`,
 * crashes or exits first. Its listeners are removed either way.
 */
export function workerReady<M extends { type: string }>(
  worker: Worker,
  errors: WorkerStartErrors<M>,
): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    const onMsg = (m: M) => {
      if (m.type === 'ready') {
        cleanup();
        resolve((m as unknown as { counters: string[] }).counters);
      } else if (m.type === 'failed') {
        cleanup();
        reject(errors.failed(m as Extract<M, { type: 'failed' }>));
      }
    };
    const onErr = (e: Error) => {
      cleanup();
      reject(errors.crashed(e));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(errors.crashed(new Error(`exited with code ${code} before it was ready`)));
    };
    const cleanup = () => {
      worker.off('message', onMsg);
      worker.off('error', onErr);
      worker.off('exit', onExit);
    };
    worker.on('message', onMsg);
    worker.on('error', onErr);
    worker.on('exit', onExit);
  });
}

/** A started worker as the end of a run sees it. */
export interface FinishingWorker {
  worker: Worker;
  /** it said `done` */
  done: boolean;
  /** resolves when its thread exited */
  exited: Promise<void>;
}

/**
 * The end of a run: without a failure, wait until every worker said `done` (workers end on their
 * own after it, but a handler may keep handles open); after a failure (or once one happens),
 * give them WORKER_EXIT_GRACE_MS to exit. Then terminate them all.
 */
export async function finishWorkers(workers: readonly FinishingWorker[], failed: () => boolean): Promise<void> {
  const all = Promise.all(workers.map((w) => w.exited));
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, WORKER_EXIT_GRACE_MS);
  });
  if (failed()) {
    await Promise.race([all, grace]);
  } else {
    while (!failed() && workers.some((w) => !w.done)) await Promise.race([all, delay(20)]);
  }
  clearTimeout(timer);
  await Promise.all(workers.map((w) => w.worker.terminate()));
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
