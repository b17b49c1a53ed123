/**
 * One-off measurement behind a design choice (docs/actiongraph.md, "Off the ring"): how should a
 * stage worker run its side effects with bounded concurrency — an async pool inside the worker
 * (undici, N requests in flight on one thread) or a piscina pool of threads (one task per action)?
 *
 *   node --no-liftoff --conditions=source --import tsx bench/components/actiongraph_pool_choice.ts [--actions=N]
 *   [--concurrency=N]
 *
 * The target is a real node:http server in a child process on 127.0.0.1, so neither contender
 * shares its event loop with the server. Both contenders POST the same records with the same
 * Idempotency-Key computation; they are run alternately, best of 3 rounds each.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { Piscina } from 'piscina';
import { Pool } from 'undici';

const arg = (name: string, dflt: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const ACTIONS = arg('actions', 3000);
const CONCURRENCY = arg('concurrency', 8);
const BATCH = 64;

const SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => { req.on('data', () => {}); req.on('end', () => res.end('ok')); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { url: `http://127.0.0.1:${port}/hook`, stop: () => child.kill() };
}

const records = Array.from({ length: ACTIONS }, (_, i) =>
  new TextEncoder().encode(`{"order":${i},"pad":"${'x'.repeat(100)}"}`),
);

/** Contender A: an async pool on this thread, batch by batch like the stage's onBatch. */
async function asyncPool(url: string): Promise<number> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: CONCURRENCY, pipelining: 1 });
  const t0 = performance.now();
  for (let b = 0; b < ACTIONS; b += BATCH) {
    const end = Math.min(ACTIONS, b + BATCH);
    let next = b;
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, end - b) }, async () => {
        while (next < end) {
          const bytes = records[next++]!;
          const key = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
          const res = await pool.request({
            path: u.pathname,
            method: 'POST',
            headers: { 'idempotency-key': key },
            body: bytes,
          });
          await res.body.dump();
          if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
        }
      }),
    );
  }
  const ms = performance.now() - t0;
  await pool.close();
  return ms;
}

/** Contender B: piscina threads, one task per action, the same in-flight bound. */
async function piscinaPool(url: string, threads: number): Promise<number> {
  const pool = new Piscina({
    filename: new URL('./actiongraph_pool_worker.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: Math.ceil(CONCURRENCY / threads),
    workerData: { url, connections: Math.ceil(CONCURRENCY / threads) },
  });
  // warm the threads and connections
  await Promise.all(Array.from({ length: threads * 2 }, () => pool.run(new Uint8Array([1]))));
  const t0 = performance.now();
  for (let b = 0; b < ACTIONS; b += BATCH) {
    const end = Math.min(ACTIONS, b + BATCH);
    let next = b;
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, end - b) }, async () => {
        while (next < end) await pool.run(records[next++]!);
      }),
    );
  }
  const ms = performance.now() - t0;
  await pool.destroy();
  return ms;
}

const server = await startServer();
try {
  await asyncPool(server.url); // warm-up
  const results: Record<string, number[]> = { async_pool: [], piscina_1_thread: [], piscina_2_threads: [] };
  for (let round = 0; round < 3; round++) {
    results.async_pool!.push(await asyncPool(server.url));
    results['piscina_1_thread']!.push(await piscinaPool(server.url, 1));
    results['piscina_2_threads']!.push(await piscinaPool(server.url, 2));
  }
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(
    `actiongraph pool choice: ${ACTIONS} POSTs of ${records[0]!.length} B, batches of ${BATCH}, ${CONCURRENCY} ` +
      `in flight; ${cpus().length} cores (${cpu}), Node ${process.version}`,
  );
  for (const [name, runs] of Object.entries(results)) {
    const best = Math.min(...runs);
    console.log(
      `  ${name.padEnd(18)} best ${Math.round(ACTIONS / (best / 1000))
        .toString()
        .padStart(7)} actions/s   (runs: ${runs.map((r) => Math.round(ACTIONS / (r / 1000))).join(', ')})`,
    );
  }
} finally {
  server.stop();
}
