/**
 * Start-up and shut-down handshakes of the peers' worker threads: a worker posts 'ready' when
 * it can take records and 'done' when it drained; an error or an early exit rejects.
 */
import type { Worker } from 'node:worker_threads';

export function workerReady(w: Worker): Promise<void> {
  return awaitMessage(w, 'ready');
}

export function whenAll(workers: readonly Worker[], message: string): Promise<void> {
  return Promise.all(workers.map((w) => awaitMessage(w, message))).then(() => undefined);
}

function awaitMessage(w: Worker, message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: unknown) => {
      if (m === message) {
        off();
        resolve();
      }
    };
    const onErr = (e: Error) => {
      off();
      reject(e);
    };
    const onExit = (code: number) => {
      off();
      reject(new Error(`a peer worker exited (code ${code}) before it posted "${message}"`));
    };
    const off = () => {
      w.off('message', onMsg);
      w.off('error', onErr);
      w.off('exit', onExit);
    };
    w.on('message', onMsg);
    w.on('error', onErr);
    w.on('exit', onExit);
  });
}
