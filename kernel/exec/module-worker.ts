/**
 * Start a worker thread from an ES module URL. Compiled JavaScript (dist/) and Deno run the
 * module directly. Under tsx in development (`.ts` modules on Node), tsx 4 registers its
 * loader in the main thread only on Node 20, so the worker starts with a two-line bootstrap
 * that registers tsx in the worker and then imports the module. Workers inherit
 * `process.execArgv` (`--no-liftoff`, `--conditions=source`).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';

export function startModuleWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!isDeno && url.pathname.endsWith('.ts')) {
    const api = import.meta.resolve('tsx/esm/api');
    const code =
      `import(${JSON.stringify(api)}).then((m) => { m.register(); ` + `return import(${JSON.stringify(url.href)}); });`;
    return new Worker(code, { ...options, eval: true });
  }
  return new Worker(url, options);
}
